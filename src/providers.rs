//! The browser side of a provider call: `fetch` with an AbortController, then the reply
//! body whole or as a byte stream. Request building and error wording live in
//! `pocket_chat_core::provider`; this module only moves bytes.

use js_sys::{Reflect, Uint8Array};
use pocket_chat_core::provider::HttpRequest;
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
        match JsFuture::from(promise).await {
            Ok(v) => Ok(v.as_string().unwrap_or_default()),
            Err(_) if self.aborted.aborted() => Err(Transport::Aborted),
            Err(_) => Err(Transport::Unreachable),
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
        })
    }
}

/// The chunks of a streamed body, in order.
pub struct Chunks {
    reader: ReadableStreamDefaultReader,
    aborted: web_sys::AbortSignal,
}

impl Chunks {
    /// The next chunk, or `None` at the end of the body.
    pub async fn next(&mut self) -> Result<Option<Vec<u8>>, Transport> {
        let result = match JsFuture::from(self.reader.read()).await {
            Ok(result) => result,
            Err(_) if self.aborted.aborted() => return Err(Transport::Aborted),
            // The connection dropped mid-body.
            Err(_) => return Err(Transport::Unreachable),
        };
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

/// Starts `request`; returns the handle that stops it, and the future of its reply.
pub fn start(
    request: &HttpRequest,
) -> (
    InFlight,
    impl std::future::Future<Output = Result<Reply, Transport>>,
) {
    let controller = AbortController::new().ok();
    let signal = controller.as_ref().map(|c| c.signal());
    let handle = InFlight { controller };
    let request = request.clone();
    let future = async move {
        let signal = signal.ok_or(Transport::Unreachable)?;
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
        let response =
            match JsFuture::from(window.fetch_with_str_and_init(&request.url, &init)).await {
                Ok(r) => r,
                Err(_) if signal.aborted() => return Err(Transport::Aborted),
                Err(_) => return Err(Transport::Unreachable),
            };
        let response: Response = response.dyn_into().map_err(|_| Transport::Unreachable)?;
        Ok(Reply {
            response,
            aborted: signal,
        })
    };
    (handle, future)
}
