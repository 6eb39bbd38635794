//! The browser side of a provider call: `fetch` with an AbortController, then the reply
//! body whole or as a byte stream. Request building and error wording live in
//! `pocket_chat_core::provider`; this module only moves bytes.

use std::cell::Cell;
use std::rc::Rc;

use js_sys::{Reflect, Uint8Array};
use pocket_chat_core::provider::{CallError, HttpRequest};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, ReadableStreamDefaultReader, RequestInit, Response};

/// A transport failure, before any HTTP status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// Network down, DNS, refused connection, or CORS: the browser does not say which.
    Unreachable,
    /// The user pressed Stop.
    Aborted,
    /// No byte arrived for this many milliseconds, so the request was given up.
    Stalled(u32),
}

thread_local! {
    /// See [`idle_timeout_ms`].
    static IDLE_TIMEOUT_MS: Cell<u32> = const { Cell::new(60_000) };
}

/// How long, in milliseconds, a streamed reply may send nothing before it is given up:
/// 60,000 (one minute) unless a test changed it. A whole (not streamed) reply arrives only
/// when the model has finished, so it gets ten times as long.
pub fn idle_timeout_ms(stream: bool) -> u32 {
    let idle = IDLE_TIMEOUT_MS.with(Cell::get);
    if stream {
        idle
    } else {
        idle.saturating_mul(10)
    }
}

/// Sets the idle timeout of streamed replies, in milliseconds (tests shorten it).
pub fn set_idle_timeout_ms(ms: u32) {
    IDLE_TIMEOUT_MS.with(|c| c.set(ms.max(1)));
}

/// Whether the browser says it is online (`navigator.onLine`; true when it cannot tell).
pub fn online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

/// The sentence for a transport failure with nothing to keep: offline, given up, or not
/// reached (Stop is the caller's to handle; it is worded as not reached here).
pub fn call_error(failure: Transport) -> CallError {
    match failure {
        Transport::Stalled(ms) => CallError::Stalled {
            seconds: ms.div_ceil(1000),
        },
        _ if !online() => CallError::Offline,
        Transport::Unreachable | Transport::Aborted => CallError::Unreachable,
    }
}

/// Aborts a request when nothing arrives for its idle timeout; every chunk re-arms it.
struct Watchdog {
    timeout_ms: u32,
    fired: Rc<Cell<bool>>,
    timer: Cell<Option<i32>>,
    on_fire: Closure<dyn FnMut()>,
}

impl Watchdog {
    fn new(controller: AbortController, timeout_ms: u32) -> Watchdog {
        let fired = Rc::new(Cell::new(false));
        let flag = fired.clone();
        let on_fire = Closure::<dyn FnMut()>::new(move || {
            flag.set(true);
            controller.abort();
        });
        Watchdog {
            timeout_ms,
            fired,
            timer: Cell::new(None),
            on_fire,
        }
    }

    /// Starts (or restarts) the countdown.
    fn arm(&self) {
        self.disarm();
        let id = web_sys::window().and_then(|w| {
            w.set_timeout_with_callback_and_timeout_and_arguments_0(
                self.on_fire.as_ref().unchecked_ref(),
                i32::try_from(self.timeout_ms).unwrap_or(i32::MAX),
            )
            .ok()
        });
        self.timer.set(id);
    }

    fn disarm(&self) {
        if let (Some(id), Some(w)) = (self.timer.take(), web_sys::window()) {
            w.clear_timeout_with_handle(id);
        }
    }

    /// Why a read failed: the timeout, Stop, or the network.
    fn failure(&self, signal: &web_sys::AbortSignal) -> Transport {
        if self.fired.get() {
            Transport::Stalled(self.timeout_ms)
        } else if signal.aborted() {
            Transport::Aborted
        } else {
            Transport::Unreachable
        }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.disarm();
    }
}

/// A request in flight that can be stopped.
pub struct InFlight {
    controller: Option<AbortController>,
}

impl InFlight {
    /// Stops the request; whatever arrived stays with the caller.
    pub fn abort(&self) {
        if let Some(c) = &self.controller {
            c.abort();
        }
    }
}

/// An HTTP reply whose body has not been read yet.
pub struct Reply {
    response: Response,
    aborted: web_sys::AbortSignal,
    watchdog: Watchdog,
}

impl Reply {
    pub fn status(&self) -> u16 {
        self.response.status()
    }

    pub fn ok(&self) -> bool {
        self.response.ok()
    }

    /// A response header, such as `retry-after`.
    pub fn header(&self, name: &str) -> Option<String> {
        self.response.headers().get(name).ok().flatten()
    }

    /// The whole body as text.
    pub async fn text(self) -> Result<String, Transport> {
        let promise = self.response.text().map_err(|_| Transport::Unreachable)?;
        self.watchdog.arm();
        match JsFuture::from(promise).await {
            Ok(v) => Ok(v.as_string().unwrap_or_default()),
            Err(_) => Err(self.watchdog.failure(&self.aborted)),
        }
    }

    /// The body as a stream of byte chunks.
    pub fn chunks(self) -> Result<Chunks, Transport> {
        let body = self.response.body().ok_or(Transport::Unreachable)?;
        let reader: ReadableStreamDefaultReader = body
            .get_reader()
            .dyn_into()
            .map_err(|_| Transport::Unreachable)?;
        Ok(Chunks {
            reader,
            aborted: self.aborted,
            watchdog: self.watchdog,
        })
    }
}

/// The chunks of a streamed body, in order.
pub struct Chunks {
    reader: ReadableStreamDefaultReader,
    aborted: web_sys::AbortSignal,
    watchdog: Watchdog,
}

impl Chunks {
    /// The next chunk, or `None` at the end of the body.
    pub async fn next(&mut self) -> Result<Option<Vec<u8>>, Transport> {
        self.watchdog.arm();
        let result = match JsFuture::from(self.reader.read()).await {
            Ok(result) => result,
            // Stop, the idle timeout, or the connection dropped mid-body.
            Err(_) => return Err(self.watchdog.failure(&self.aborted)),
        };
        self.watchdog.disarm();
        let done = Reflect::get(&result, &JsValue::from_str("done"))
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(true);
        if done {
            return Ok(None);
        }
        let value = Reflect::get(&result, &JsValue::from_str("value"))
            .map_err(|_| Transport::Unreachable)?;
        Ok(Some(Uint8Array::new(&value).to_vec()))
    }
}

/// Starts `request`; returns the handle that stops it, and the future of its reply. The
/// request is given up when nothing arrives for `idle_ms` milliseconds (see
/// [`idle_timeout_ms`]).
pub fn start(
    request: &HttpRequest,
    idle_ms: u32,
) -> (
    InFlight,
    impl std::future::Future<Output = Result<Reply, Transport>>,
) {
    let controller = AbortController::new().ok();
    let signal = controller.as_ref().map(|c| c.signal());
    let watchdog = controller.clone().map(|c| Watchdog::new(c, idle_ms));
    let handle = InFlight { controller };
    let request = request.clone();
    let future = async move {
        let signal = signal.ok_or(Transport::Unreachable)?;
        let watchdog = watchdog.ok_or(Transport::Unreachable)?;
        let init = RequestInit::new();
        init.set_method("POST");
        init.set_signal(Some(&signal));
        init.set_body(&JsValue::from_str(&request.body));
        // Never send cookies or a referrer to the provider.
        init.set_credentials(web_sys::RequestCredentials::Omit);
        init.set_referrer_policy(web_sys::ReferrerPolicy::NoReferrer);
        let headers = web_sys::Headers::new().map_err(|_| Transport::Unreachable)?;
        for (name, value) in &request.headers {
            headers
                .set(name, value)
                .map_err(|_| Transport::Unreachable)?;
        }
        init.set_headers(&headers);
        let window = web_sys::window().ok_or(Transport::Unreachable)?;
        watchdog.arm();
        let response =
            match JsFuture::from(window.fetch_with_str_and_init(&request.url, &init)).await {
                Ok(r) => r,
                Err(_) => return Err(watchdog.failure(&signal)),
            };
        watchdog.disarm();
        let response: Response = response.dyn_into().map_err(|_| Transport::Unreachable)?;
        Ok(Reply {
            response,
            aborted: signal,
            watchdog,
        })
    };
    (handle, future)
}
