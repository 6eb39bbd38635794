#!/usr/bin/env python3
"""Tests of scripts/module-graph.py over small fixture trees written to a temporary folder.

Run: python3 scripts/module-graph-test.py   (standard library only)
"""

import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "module-graph.py")

CARGO = """\
[package]
name = "pocket-chat"

[dependencies]
pocket-chat-core = { path = "core" }
"""


def run(files, *flags):
    """Writes the fixture tree, runs the script over it: (exit code, output)."""
    with tempfile.TemporaryDirectory() as root:
        files = {"Cargo.toml": CARGO, "core/src/lib.rs": "pub mod a;\n", "core/src/a.rs": "", **files}
        for path, text in files.items():
            full = os.path.join(root, path)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w", encoding="utf-8") as f:
                f.write(textwrap.dedent(text))
        done = subprocess.run(
            [sys.executable, SCRIPT, "--root", root, *flags], capture_output=True, text=True
        )
        return done.returncode, done.stdout + done.stderr


class ModuleGraph(unittest.TestCase):
    def test_a_tree_without_cycles_passes(self):
        # Guards against: a clean tree reported as failing (the check would be switched off).
        code, out = run({
            "core/src/b.rs": "use crate::a;\n",
            "src/lib.rs": "pub mod state;\npub mod storage;\npub mod ui;\n",
            "src/ui.rs": "use crate::state::x;\n",
            "src/state.rs": "use crate::storage::Database;\n",
            "src/storage.rs": "use pocket_chat_core::a;\n",
        })
        self.assertEqual(code, 0, out)
        self.assertIn("no cycles, no forbidden edges", out)

    def test_a_cycle_in_core_through_a_use_group_fails_with_each_edge(self):
        # Guards against: `use crate::{a, b::c}` read as one path, hiding the edge to `b`.
        code, out = run({
            "core/src/lib.rs": "pub mod a;\npub mod b;\npub mod c;\n",
            "core/src/a.rs": "use crate::{\n    c::X,\n    b::{self, Y},\n};\n",
            "core/src/b.rs": "\n\nuse crate::a::Z;\n",
        })
        self.assertEqual(code, 1, out)
        self.assertIn("core: a cycle among 2 modules: a, b", out)
        self.assertIn("a -> b  core/src/a.rs:3", out)
        self.assertIn("b -> a  core/src/b.rs:3", out)

    def test_super_paths_and_inline_paths_resolve(self):
        # Guards against: `super::super::` and paths outside `use` going unseen.
        code, out = run({
            "core/src/lib.rs": "pub mod a;\npub mod x;\n",
            "core/src/x.rs": "pub mod y;\n",
            "core/src/x/y.rs": "fn f() { super::super::a::g(); }\n",
            "core/src/a.rs": "pub fn g() { crate::x::y::h() }\n",
        })
        self.assertEqual(code, 1, out)
        self.assertIn("x::y -> a  core/src/x/y.rs:1", out)
        self.assertIn("a -> x::y  core/src/a.rs:1", out)

    def test_tests_comments_and_strings_are_no_edges(self):
        # Guards against: tests' imports, doc links and string contents counted as edges,
        # and a string holding "#[cfg(test)] mod tests {" swallowing the real code after it.
        code, out = run({
            "core/src/lib.rs": "pub mod a;\npub mod b;\n",
            "core/src/a.rs": textwrap.dedent('''\
                //! See [`crate::b`] and /* crate::b::x */.
                const S: &str = "crate::b::x";
                const R: &str = r#"#[cfg(test)]
                mod tests {"#;
                fn f<'a>(s: &'a str) -> char { '"' }
                #[cfg(test)]
                mod tests {
                    use crate::b;
                }
                #[cfg(all(test, feature = "x"))]
                use crate::b::{c, d};
                mod tests {
                    fn t() { crate::b::x(); }
                }
                '''),
            "core/src/b.rs": "use crate::a;\n",
        })
        self.assertEqual(code, 0, out)
        code, out = run({
            "core/src/lib.rs": "pub mod a;\npub mod b;\n",
            "core/src/a.rs": 'const R: &str = r#"mod tests {"#;\nfn f() -> char { \'{\' }\nuse crate::b;\n',
            "core/src/b.rs": "use crate::a;\n",
        })
        self.assertEqual(code, 1, out)
        self.assertIn("a -> b  core/src/a.rs:3", out)

    def test_cfg_not_test_is_code(self):
        # Guards against: `#[cfg(not(test))]` code skipped as if it were a test.
        code, out = run({
            "core/src/lib.rs": "pub mod a;\npub mod b;\n",
            "core/src/a.rs": "#[cfg(not(test))]\nuse crate::b;\n",
            "core/src/b.rs": "use crate::a;\n",
        })
        self.assertEqual(code, 1, out)

    def test_parent_and_child_are_separate_modules(self):
        # Guards against: a parent's bare use of its child (`guard::Shared`) missed, or the
        # `mod guard;` declaration itself counted.
        code, out = run({
            "src/lib.rs": "pub mod storage;\n",
            "src/storage.rs": "pub mod guard;\npub mod schema;\nstruct D { g: guard::Shared }\n",
            "src/storage/guard.rs": "use super::StorageError;\n",
            "src/storage/schema.rs": "use super::StorageError;\n",
        })
        self.assertEqual(code, 1, out)
        self.assertIn("src: a cycle among 2 modules: storage, storage::guard", out)
        self.assertIn("storage -> storage::guard  src/storage.rs:3", out)
        self.assertNotIn("storage -> storage::schema", out)

    def test_forbidden_layer_edges_fail(self):
        # Guards against: a component reaching storage or the network, state reaching the view.
        code, out = run({
            "src/lib.rs": "pub mod providers;\npub mod state;\npub mod storage;\npub mod ui;\n",
            "src/ui.rs": "pub mod view;\nfn f() { crate::providers::fetch(); }\n",
            "src/ui/view.rs": "use crate::storage::messages::read;\n",
            "src/storage.rs": "pub mod messages;\n",
            "src/storage/messages.rs": "",
            "src/state.rs": "pub mod chat;\nuse crate::storage::Database;\nuse crate::providers;\n",
            "src/state/chat.rs": "use crate::ui::view;\n",
            "src/providers.rs": "",
        })
        self.assertEqual(code, 1, out)
        self.assertIn("forbidden edge ui -> providers", out)
        self.assertIn("src/ui.rs:2", out)
        self.assertIn("forbidden edge ui::view -> storage::messages", out)
        self.assertIn("forbidden edge state::chat -> ui::view", out)
        self.assertNotIn("forbidden edge state ->", out)

    def test_the_core_under_another_name_and_list(self):
        # Guards against: a renamed dependency's paths read as another crate's.
        code, out = run({
            "Cargo.toml": '[package]\nname = "x"\n[dependencies]\ncore2 = { package = "pocket-chat-core", path = "core" }\n',
            "src/lib.rs": "pub mod state;\n",
            "src/state.rs": "use core2::a::X;\nfn f() { pocket_chat_core::a::y(); }\n",
        }, "--list")
        self.assertEqual(code, 0, out)
        self.assertIn("state -> core:a  src/state.rs:1", out)
        self.assertNotIn("src/state.rs:2", out)


if __name__ == "__main__":
    unittest.main()
