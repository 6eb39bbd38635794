//! The browser side of a provider call: `fetch` with an AbortController, then the reply
//! body whole or as a byte stream, with a timer the caller arms at the chat turn's
//! deadline. Request building, error wording and every rule of a turn live in
//! `pocket_chat_core`; this module only moves bytes.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use js_sys::{Reflect, Uint8Array};
use pocket_chat_core::provider::HttpRequest;
use pocket_chat_core::turn::{Input, IDLE_TIMEOUT_MS};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, ReadableStreamDefaultReader, Response};

/// A transport failure, before or during the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// Network down, DNS, refused connection, or CORS: the browser does not say which.
    Unreachable,
    /// The user pressed Stop.
    Aborted,
    /// The deadline the caller set passed, so the request was aborted.
    TimedOut,
}

thread_local! {
    /// See [`idle_timeout_ms`].
    static IDLE_TIMEOUT: Cell<u32> = const { Cell::new(IDLE_TIMEOUT_MS) };
}

/// How long, in milliseconds, a streamed reply may send nothing before it is given up:
/// [`IDLE_TIMEOUT_MS`] unless a test changed it.
pub fn idle_timeout_ms() -> u32 {
    IDLE_TIMEOUT.with(Cell::get)
}

/// Sets the idle timeout of streamed replies, in milliseconds (tests shorten it).
pub fn set_idle_timeout_ms(ms: u32) {
    IDLE_TIMEOUT.with(|c| c.set(ms.max(1)));
}

/// Aborts the request when its deadline passes, and remembers that it did.
struct Timer {
    fired: Rc<Cell<bool>>,
    id: Cell<Option<i32>>,
    on_fire: Closure<dyn FnMut()>,
}

impl Timer {
    fn new(controller: AbortController) -> Timer {
        let fired = Rc::new(Cell::new(false));
        let flag = fired.clone();
        let on_fire = Closure::<dyn FnMut()>::new(move || {
            flag.set(true);
            controller.abort();
        });
        Timer {
            fired,
            id: Cell::new(None),
            on_fire,
        }
    }

    /// Fires in `ms` milliseconds (replacing an earlier countdown); `None` disarms.
    fn set(&self, ms: Option<i64>) {
        if let (Some(id), Some(w)) = (self.id.take(), web_sys::window()) {
            w.clear_timeout_with_handle(id);
        }
        let Some(ms) = ms else { return };
        let ms = i32::try_from(ms.max(0)).unwrap_or(i32::MAX);
        let id = web_sys::window().and_then(|w| {
            w.set_timeout_with_callback_and_timeout_and_arguments_0(
                self.on_fire.as_ref().unchecked_ref(),
                ms,
            )
            .ok()
        });
        self.id.set(id);
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        self.set(None);
    }
}

/// What stops a call: Stop, or its deadline. Cheap to clone.
#[derive(Clone)]
pub struct InFlight {
    controller: AbortController,
    timer: Rc<Timer>,
}

impl InFlight {
    /// Stops the request; whatever arrived stays with the caller.
    pub fn abort(&self) {
        self.controller.abort();
    }

    /// Gives up on the request `ms` milliseconds from now unless set again; `None`: never.
    pub fn set_deadline(&self, ms: Option<i64>) {
        self.timer.set(ms);
    }

    /// Why a read failed: the deadline, Stop, or the network.
    fn failure(&self) -> Transport {
        if self.timer.fired.get() {
            Transport::TimedOut
        } else if self.controller.signal().aborted() {
            Transport::Aborted
        } else {
            Transport::Unreachable
        }
    }
}

/// What a call brought, one read at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The response head.
    Head {
        status: u16,
        retry_after: Option<String>,
    },
    /// The whole body, after [`Call::read_whole`].
    Body(String),
    /// Some bytes of the body, after [`Call::read_stream`].
    Bytes(Vec<u8>),
    /// The body ended.
    End,
    Failed(Transport),
}

impl Event {
    /// What the chat turn is fed for this event; `None` when the deadline passed (fed to
    /// the turn as time, not as an input).
    pub fn input(&self) -> Option<Input<'_>> {
        Some(match self {
            Event::Head {
                status,
                retry_after,
            } => Input::Head {
                status: *status,
                retry_after: retry_after.as_deref(),
            },
            Event::Body(body) => Input::Body(body),
            Event::Bytes(bytes) => Input::Bytes(bytes),
            Event::End => Input::End,
            Event::Failed(Transport::Aborted) => Input::Stopped,
            Event::Failed(Transport::Unreachable) => lost(),
            Event::Failed(Transport::TimedOut) => return None,
        })
    }
}

/// A request that did not get through, as the turn is told: offline when the browser
/// says so.
pub fn lost() -> Input<'static> {
    Input::Lost {
        offline: !crate::fetch::online(),
    }
}

type Pending = Pin<Box<dyn Future<Output = Result<Response, Transport>>>>;

/// Where a call is.
enum Stage {
    Requesting(Pending),
    /// The head arrived; the body is not read yet.
    Answered(Response),
    /// Read the body whole next.
    Whole(Response),
    Streaming(ReadableStreamDefaultReader),
    Over,
}

/// One HTTP request and its reply, read as the caller asks.
pub struct Call {
    flight: InFlight,
    stage: Stage,
}

impl Call {
    /// Starts `request`. Unreachable at once when the browser cannot make a request.
    pub fn start(request: &HttpRequest) -> Result<Call, Transport> {
        let controller = AbortController::new().map_err(|_| Transport::Unreachable)?;
        let window = web_sys::window().ok_or(Transport::Unreachable)?;
        let headers = request.headers.iter().map(|(n, v)| (*n, v.as_str()));
        let init =
            crate::fetch::init(request.method, headers).map_err(|_| Transport::Unreachable)?;
        init.set_signal(Some(&controller.signal()));
        if !request.body.is_empty() {
            init.set_body(&JsValue::from_str(&request.body));
        }
        let fetch = JsFuture::from(window.fetch_with_str_and_init(&request.url, &init));
        let flight = InFlight {
            timer: Rc::new(Timer::new(controller.clone())),
            controller,
        };
        let failure = flight.clone();
        let pending: Pending = Box::pin(async move {
            let response = fetch.await.map_err(|_| failure.failure())?;
            response.dyn_into().map_err(|_| Transport::Unreachable)
        });
        Ok(Call {
            flight,
            stage: Stage::Requesting(pending),
        })
    }

    /// The handle that stops this call or sets its deadline.
    pub fn flight(&self) -> InFlight {
        self.flight.clone()
    }

    /// The next read gives the whole body.
    pub fn read_whole(&mut self) {
        if let Stage::Answered(response) = std::mem::replace(&mut self.stage, Stage::Over) {
            self.stage = Stage::Whole(response);
        }
    }

    /// The next reads give the body chunk by chunk (a body that cannot be read ends).
    pub fn read_stream(&mut self) {
        if let Stage::Answered(response) = std::mem::replace(&mut self.stage, Stage::Over) {
            let reader = response
                .body()
                .and_then(|body| body.get_reader().dyn_into().ok());
            if let Some(reader) = reader {
                self.stage = Stage::Streaming(reader);
            }
        }
    }

    /// What happened next: the head, the body, a chunk, the end, or a failure.
    pub async fn next(&mut self) -> Event {
        match std::mem::replace(&mut self.stage, Stage::Over) {
            Stage::Requesting(pending) => match pending.await {
                Ok(response) => {
                    let event = Event::Head {
                        status: response.status(),
                        retry_after: response.headers().get("retry-after").ok().flatten(),
                    };
                    self.stage = Stage::Answered(response);
                    event
                }
                Err(failure) => Event::Failed(failure),
            },
            Stage::Whole(response) => {
                let Ok(promise) = response.text() else {
                    return Event::Failed(Transport::Unreachable);
                };
                match JsFuture::from(promise).await {
                    Ok(text) => Event::Body(text.as_string().unwrap_or_default()),
                    Err(_) => Event::Failed(self.flight.failure()),
                }
            }
            Stage::Streaming(reader) => {
                let result = match JsFuture::from(reader.read()).await {
                    Ok(result) => result,
                    // Stop, the deadline, or the connection dropped mid-body.
                    Err(_) => return Event::Failed(self.flight.failure()),
                };
                let field = |name| Reflect::get(&result, &JsValue::from_str(name)).ok();
                if field("done").and_then(|v| v.as_bool()).unwrap_or(true) {
                    return Event::End;
                }
                let Some(value) = field("value") else {
                    return Event::Failed(Transport::Unreachable);
                };
                self.stage = Stage::Streaming(reader);
                Event::Bytes(Uint8Array::new(&value).to_vec())
            }
            // Nothing was asked for, or the body could not be read: it has ended.
            Stage::Answered(_) | Stage::Over => Event::End,
        }
    }
}
