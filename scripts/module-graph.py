#!/usr/bin/env python3
"""The module graph of pocket-chat's two crates, checked for cycles and for edges the
layering forbids (see ARCHITECTURE.md).

A module is a file: `foo.rs` is `foo`, `foo/bar.rs` is `foo::bar`, the crate's `lib.rs` is
`crate`. Module A has an edge to module B when A's file names a path into B: `crate::b::…`,
`super::…` and `self::…` resolved from A, a child's name used bare in its parent's file,
every path of a `use` group (`crate::{a, b::c}`), and in the browser crate the core's
paths (`pocket_chat_core::…`, or whatever name Cargo.toml gives the dependency). A path
goes to the longest module it names: `crate::storage::messages::f` is an edge to
`storage::messages`, `crate::storage::Database` one to `storage`. A module's own `mod`
declarations are no edges; comments, strings and whatever is compiled only for tests
(`#[cfg(test)]` items, `mod tests { … }`) are skipped: tests import freely.

Fails (exit 1), with each edge's file:line, on
  - a cycle among the modules of `core/src` or among those of `src/` (every strongly
    connected component of more than one module, a parent and its children being
    separate modules), with an example chain of edges through each of its modules;
  - an edge from `ui` or `ui::*` to `storage`, `providers` or anything under them;
  - an edge from `state` or `state::*` to `ui` or anything under it.

Usage: scripts/module-graph.py [--list] [--root DIR]
  --list      print every edge (and the browser crate's edges into the core) first
  --root DIR  the repository to read (default: the one this script is in)

Python 3.11+, standard library only; it reads the code and never builds it.
"""

import argparse
import os
import re
import sys
import tomllib
from collections import defaultdict, deque

# (crate, from-layer, to-layers, why): an edge from a module whose first segment is
# from-layer to one whose first segment is among to-layers is refused.
FORBIDDEN = [
    ("src", "ui", ("storage", "providers"), "components reach storage and the network through state"),
    ("src", "state", ("ui",), "state never depends on the view"),
]

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


# ---------------------------------------------------------------------------- reading


def blank(chars, start, end):
    """Replaces chars[start:end] by spaces, keeping newlines so line numbers hold."""
    for i in range(start, end):
        if chars[i] != "\n":
            chars[i] = " "


def strip_comments_and_literals(text):
    """The file with comments, string literals and char literals blanked out."""
    chars = list(text)
    n = len(text)
    i = 0
    while i < n:
        c = text[i]
        nxt = text[i + 1] if i + 1 < n else ""
        prev = text[i - 1] if i > 0 else ""
        if c == "/" and nxt == "/":
            end = text.find("\n", i)
            end = n if end < 0 else end
            blank(chars, i, end)
            i = end
        elif c == "/" and nxt == "*":
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            blank(chars, i, j)
            i = j
        elif c == "r" and not re.match(r"[A-Za-z0-9_]", prev or " ") or (
            c == "b" and nxt == "r" and not re.match(r"[A-Za-z0-9_]", prev or " ")
        ):
            # A raw string r"…", r#"…"#, br"…"; otherwise an identifier starting with r/b.
            m = re.match(r'b?r(#*)"', text[i:])
            if m:
                close = '"' + m.group(1)
                end = text.find(close, i + m.end())
                end = n if end < 0 else end + len(close)
                blank(chars, i, end)
                i = end
            else:
                i += 1
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            blank(chars, i, j + 1)
            i = j + 1
        elif c == "'":
            # A char literal ('a', '\n', '\u{1F600}') or a lifetime ('a, 'static).
            if nxt == "\\":
                j = text.find("'", i + 2)
                j = n if j < 0 else j
                blank(chars, i, j + 1)
                i = j + 1
            elif i + 2 < n and text[i + 2] == "'":
                blank(chars, i, i + 3)
                i += 3
            else:
                i += 1
        else:
            i += 1
    return "".join(chars)


def matching(text, open_at):
    """The index just past the bracket that closes the one at open_at."""
    pairs = {"{": "}", "(": ")", "[": "]"}
    stack = [pairs[text[open_at]]]
    j = open_at + 1
    while j < len(text) and stack:
        ch = text[j]
        if ch in pairs:
            stack.append(pairs[ch])
        elif stack and ch == stack[-1]:
            stack.pop()
        j += 1
    return j


def split_args(s):
    """The top-level, comma-separated arguments of a cfg predicate's list."""
    args, depth, cur = [], 0, ""
    for ch in s:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            args.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        args.append(cur.strip())
    return args


def implies_test(pred):
    """Whether a cfg predicate holds only when compiling tests."""
    pred = pred.strip()
    if pred == "test":
        return True
    m = re.fullmatch(r"(all|any|not)\s*\((.*)\)", pred, re.S)
    if not m:
        return False
    args = split_args(m.group(2))
    if m.group(1) == "all":
        return any(implies_test(a) for a in args)
    if m.group(1) == "any":
        return bool(args) and all(implies_test(a) for a in args)
    return False


def test_only(attr_body):
    m = re.fullmatch(r"\s*cfg\s*\((.*)\)\s*", attr_body, re.S)
    return bool(m) and implies_test(m.group(1))


def item_end(text, i):
    """The end of the item (or statement) starting at i: past its `;` or its block."""
    n = len(text)
    is_use = re.match(r"\s*(pub(\s*\([^)]*\))?\s+)?use\b", text[i:]) is not None
    while i < n:
        ch = text[i]
        if ch in "([" or (ch == "{" and is_use):
            i = matching(text, i)
        elif ch == "{":
            return matching(text, i)
        elif ch == ";":
            return i + 1
        else:
            i += 1
    return n


def strip_tests(text):
    """The file without what only tests compile: `#[cfg(test)]` items, `mod tests {…}`."""
    chars = list(text)
    inner = re.match(r"\s*#!\[", text)
    if inner and test_only(text[inner.end() : matching(text, inner.end() - 1) - 1]):
        return re.sub(r"[^\n]", " ", text)
    for m in re.finditer(r"#\s*\[", text):
        close = matching(text, m.end() - 1)
        if not test_only(text[m.end() : close - 1]):
            continue
        j = close
        # Further attributes on the same item.
        while True:
            a = re.match(r"\s*#\s*\[", text[j:])
            if not a:
                break
            j = matching(text, j + a.end() - 1)
        blank(chars, m.start(), item_end(text, j))
    for m in re.finditer(r"\bmod\s+tests\s*\{", text):
        blank(chars, m.start(), matching(text, m.end() - 1))
    return "".join(chars)


def line_of(text, pos):
    return text.count("\n", 0, pos) + 1


# ---------------------------------------------------------------------------- paths


def parse_use_tree(text, start, end):
    """Every path of the use tree text[start:end] as (segments, position of last one)."""
    tokens = [
        (m.group(0), m.start() + start)
        for m in re.finditer(r"::|[{},*]|" + IDENT, text[start:end])
    ]
    pos = 0

    def tree(prefix):
        nonlocal pos
        out = []
        segs = list(prefix)
        last = prefix[-1][1] if prefix else start
        while pos < len(tokens):
            tok, at = tokens[pos]
            if tok == "{":
                pos += 1
                while pos < len(tokens) and tokens[pos][0] != "}":
                    if tokens[pos][0] == ",":
                        pos += 1
                        continue
                    out += tree(segs)
                pos += 1  # the closing brace
                return out
            if tok == "*":
                pos += 1
                return [(segs, last)] if segs else []
            if tok in (",", "}"):
                break
            if tok == "::":
                pos += 1
                continue
            if tok == "as":
                pos += 2  # the alias names nothing new
                continue
            if tok == "self" and segs:
                pos += 1  # `a::{self, …}` is `a` itself
                last = at
                continue
            segs = segs + [(tok, at)]
            last = at
            pos += 1
        return [(segs, last)] if segs else []

    return [([s for s, _ in segs], at) for segs, at in tree([])]


def resolve(module, segs, modules, core_names, core_modules):
    """The module a path from `module` names: ("own", path), ("core", path) or None."""
    head, rest = segs[0], segs[1:]
    if head == "crate":
        base = ()
    elif head == "super":
        base = module[:-1]
        while rest and rest[0] == "super":
            base, rest = base[:-1], rest[1:]
    elif head == "self":
        base = module
    elif head in core_names:
        return longest("core", (), rest, core_modules)
    elif module + (head,) in modules:
        base, rest = module + (head,), rest
    else:
        return None  # another crate, or a name this script does not follow
    return longest("own", base, rest, modules)


def longest(kind, base, rest, modules):
    target = base
    for seg in rest:
        if target + (seg,) in modules:
            target = target + (seg,)
        else:
            break
    return (kind, target)


def references(text, module, modules, core_names, core_modules):
    """(kind, target, line) for every path out of `module` in the cleaned text."""
    refs = []
    uses = list(re.finditer(r"(?<![\w:$])use\s+", text))
    spans = []
    for m in uses:
        end = item_end(text, m.start())
        spans.append((m.start(), end))
        for segs, at in parse_use_tree(text, m.end(), end):
            if not segs:
                continue
            if segs[0] in core_names and len(segs) == 1:
                continue  # `use pocket_chat_core as x;`: an alias, no module named
            r = resolve(module, segs, modules, core_names, core_modules)
            if r:
                refs.append((r[0], r[1], line_of(text, at)))
    rest = list(text)
    for a, b in spans:
        blank(rest, a, b)
    rest = "".join(rest)
    children = sorted({m[-1] for m in modules if m[:-1] == module and len(m) == len(module) + 1})
    heads = ["crate", "super", "self"] + sorted(core_names) + children
    path = re.compile(
        r"(?<![\w$:])(?<!\bin )(?:" + "|".join(map(re.escape, heads)) + r")(?:\s*::\s*" + IDENT + r")+"
    )
    for m in path.finditer(rest):
        segs = re.findall(IDENT, m.group(0))
        r = resolve(module, segs, modules, core_names, core_modules)
        if r:
            refs.append((r[0], r[1], line_of(text, m.start())))
    return refs


# ---------------------------------------------------------------------------- crates


def crate_modules(src_dir):
    """Module path → file, for every .rs file of a crate but its binaries' roots."""
    modules = {}
    for dirpath, dirnames, filenames in os.walk(src_dir):
        rel = os.path.relpath(dirpath, src_dir)
        parts = () if rel == "." else tuple(rel.split(os.sep))
        if parts[:1] == ("bin",):
            continue
        for name in filenames:
            if not name.endswith(".rs"):
                continue
            stem = name[:-3]
            if not parts and stem in ("lib", "main"):
                if stem == "lib":
                    modules[()] = os.path.join(dirpath, name)
                continue
            key = parts if stem == "mod" else parts + (stem,)
            modules[key] = os.path.join(dirpath, name)
    return modules


def core_crate_names(root):
    """What the browser crate calls the core: its name in Cargo.toml, and aliases."""
    names = set()
    with open(os.path.join(root, "Cargo.toml"), "rb") as f:
        manifest = tomllib.load(f)
    tables = [manifest.get("dependencies", {})]
    for target in manifest.get("target", {}).values():
        tables.append(target.get("dependencies", {}))
    for deps in tables:
        for key, spec in deps.items():
            package = spec.get("package", key) if isinstance(spec, dict) else key
            if package == "pocket-chat-core":
                names.add(key.replace("-", "_"))
    lib = os.path.join(root, "src", "lib.rs")
    if os.path.exists(lib):
        with open(lib, encoding="utf-8") as f:
            for m in re.finditer(r"extern\s+crate\s+(" + IDENT + r")\s+as\s+(" + IDENT + r")", f.read()):
                if m.group(1) in names:
                    names.add(m.group(2))
    return names


def name(module):
    return "::".join(module) if module else "crate"


def graph(root, crate, src_dir, core_names, core_modules):
    """(edges, core_edges): {(a, b): [(file, line), …]} within the crate, and into core."""
    modules = crate_modules(os.path.join(root, src_dir))
    edges, core_edges = defaultdict(list), defaultdict(list)
    for module, path in sorted(modules.items()):
        with open(path, encoding="utf-8") as f:
            raw = f.read()
        text = strip_tests(strip_comments_and_literals(raw))
        names = set(core_names)
        for m in re.finditer(r"(?<![\w:])use\s+(" + IDENT + r")\s+as\s+(" + IDENT + r")\s*;", text):
            if m.group(1) in core_names:
                names.add(m.group(2))
        rel = os.path.relpath(path, root)
        for kind, target, line in references(text, module, modules, names, core_modules):
            if kind == "own" and target != module:
                edges[(module, target)].append((rel, line))
            elif kind == "core":
                core_edges[(module, target)].append((rel, line))
    edges = {k: sorted(set(v), key=lambda fl: (fl[0], fl[1])) for k, v in edges.items()}
    core_edges = {k: sorted(set(v), key=lambda fl: (fl[0], fl[1])) for k, v in core_edges.items()}
    return modules, edges, core_edges


def components(nodes, edges):
    """Tarjan's strongly connected components, without recursion."""
    succ = defaultdict(list)
    for a, b in edges:
        succ[a].append(b)
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = 0
    for start in sorted(nodes):
        if start in index:
            continue
        work = [(start, iter(sorted(succ[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on.add(start)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(succ[w]))))
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    out.append(sorted(comp))
    return out


def shortest_cycle(start, members, edges):
    """The shortest chain of edges from start back to start inside members."""
    succ = defaultdict(list)
    for a, b in edges:
        if a in members and b in members:
            succ[a].append(b)
    came = {}
    queue = deque([start])
    while queue:
        v = queue.popleft()
        for w in sorted(succ[v]):
            if w == start:
                chain = [v]
                while chain[-1] != start:
                    chain.append(came[chain[-1]])
                chain.reverse()
                return chain + [start]
            if w not in came:
                came[w] = v
                queue.append(w)
    return [start]


# ---------------------------------------------------------------------------- report


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="print every edge")
    parser.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    args = parser.parse_args(argv)
    root = args.root

    core_modules_map = crate_modules(os.path.join(root, "core", "src"))
    core_modules = set(core_modules_map)
    crates = [("core", "core/src", set())]
    if os.path.isdir(os.path.join(root, "src")):
        crates.append(("src", "src", core_crate_names(root)))

    problems = []
    for crate, src_dir, core_names in crates:
        modules, edges, core_edges = graph(root, crate, src_dir, core_names, core_modules)
        print(f"{crate}: {len(modules)} modules, {len(edges)} edges" + (
            f", {len(core_edges)} into core" if crate == "src" else ""))
        if args.list:
            for (a, b), at in sorted(edges.items()):
                print(f"  {name(a)} -> {name(b)}  " + ", ".join(f"{f}:{l}" for f, l in at))
            for (a, b), at in sorted(core_edges.items()):
                print(f"  {name(a)} -> core:{name(b)}  " + ", ".join(f"{f}:{l}" for f, l in at))

        for comp in components(modules, edges):
            if len(comp) < 2:
                continue
            members = set(comp)
            lines = [f"{crate}: a cycle among {len(comp)} modules: " + ", ".join(map(name, comp))]
            covered = set()
            for start in comp:
                if start in covered:
                    continue
                chain = shortest_cycle(start, members, edges)
                covered.update(chain)
                lines.append("  " + " -> ".join(map(name, chain)))
                for a, b in zip(chain, chain[1:]):
                    f, l = edges[(a, b)][0]
                    lines.append(f"    {name(a)} -> {name(b)}  {f}:{l}")
            problems.append("\n".join(lines))

        for rule_crate, src_layer, to_layers, why in FORBIDDEN:
            if rule_crate != crate:
                continue
            for (a, b), at in sorted(edges.items()):
                if a[:1] == (src_layer,) and b[:1] and b[0] in to_layers:
                    where = ", ".join(f"{f}:{l}" for f, l in at)
                    problems.append(
                        f"{crate}: forbidden edge {name(a)} -> {name(b)} ({why})  {where}")

    for p in problems:
        print(p)
    if problems:
        print(f"module graph: {len(problems)} problem(s)")
        return 1
    print("module graph: no cycles, no forbidden edges")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # `… --list | head`
        sys.exit(1)
