//! One script worker thread's inbox: how the engine's threads hand iteration grants and
//! responses back to the JS thread in batches.
//!
//! A `#[napi] async fn` settles each promise with its own threadsafe function (made and torn down
//! per call, one wake-up of the JS thread per settlement). Script VUs make two such round trips
//! per iteration (the grant, the response), so instead the engine's threads post events here and
//! wake the JS thread only when it is not already due to drain: under load one wake-up delivers
//! the events of many VUs, and the JS side settles its own promises (`ts/script/hostLink.ts`).

use crate::script_host::ScriptResponse;
use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

/// The JS callback that drains the inbox. Weak: it keeps the thread's event loop alive only while
/// something is outstanding (see [`Inbox::expect`]), so a worker whose VUs are done can exit.
pub type WakeFn = ThreadsafeFunction<(), Unknown<'static>, (), Status, false, true>;

pub enum Event {
    /// `waitIteration(vu)` resolved: the executor granted an iteration, or never will again.
    Grant { vu: u32, granted: bool },
    /// `send(vu, token, request)` got its response; `text`: the body goes to JS as a string.
    Response {
        token: u32,
        text: bool,
        response: ScriptResponse,
    },
    /// `send` failed without a response (the test is stopping).
    Failure { token: u32, message: String },
}

const GRANT: u32 = 0;
const RESPONSE: u32 = 1;
const FAILURE: u32 = 2;

#[derive(Default)]
pub struct Inbox {
    events: Mutex<Vec<Event>>,
    /// A wake-up is on its way (or the JS thread is about to drain): no need for another.
    scheduled: AtomicBool,
    wake: Mutex<Option<WakeFn>>,
    /// Grants and responses JS waits for and has not drained yet. JS thread only.
    outstanding: AtomicU32,
}

impl Inbox {
    pub fn listen(&self, wake: WakeFn) {
        *self.lock_wake() = Some(wake);
        // Whatever was posted before the callback existed.
        if !self.lock_events().is_empty() {
            self.schedule();
        }
    }

    /// Releases the callback: nothing is delivered any more.
    pub fn close(&self) {
        self.lock_wake().take();
    }

    /// JS waits for one more event: keep its event loop alive until it is drained. JS thread.
    pub fn expect(&self, env: &Env) -> Result<()> {
        let wake = self.lock_wake();
        let Some(wake) = wake.as_ref() else {
            return Err(Error::from_reason(
                "the script host does not listen: call listen() first",
            ));
        };
        if self.outstanding.fetch_add(1, Ordering::Relaxed) == 0 {
            check_status!(unsafe { sys::napi_ref_threadsafe_function(env.raw(), wake.raw()) })?;
        }
        Ok(())
    }

    /// From any thread.
    pub fn post(&self, event: Event) {
        self.lock_events().push(event);
        self.schedule();
    }

    fn schedule(&self) {
        if !self.scheduled.swap(true, Ordering::AcqRel) {
            if let Some(wake) = self.lock_wake().as_ref() {
                wake.call((), ThreadsafeFunctionCallMode::NonBlocking);
            }
        }
    }

    /// Everything posted so far. JS thread, from the wake-up callback.
    pub fn take(&self, env: &Env) -> Result<Vec<Event>> {
        // Cleared before taking: an event posted from now on schedules a wake-up of its own.
        self.scheduled.store(false, Ordering::SeqCst);
        let events = std::mem::take(&mut *self.lock_events());
        if !events.is_empty() {
            let n = events.len() as u32;
            let before = self.outstanding.fetch_sub(n, Ordering::Relaxed);
            if before <= n {
                self.outstanding.store(0, Ordering::Relaxed);
                if let Some(wake) = self.lock_wake().as_ref() {
                    check_status!(unsafe {
                        sys::napi_unref_threadsafe_function(env.raw(), wake.raw())
                    })?;
                }
            }
        }
        Ok(events)
    }

    fn lock_events(&self) -> std::sync::MutexGuard<'_, Vec<Event>> {
        self.events.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn lock_wake(&self) -> std::sync::MutexGuard<'_, Option<WakeFn>> {
        self.wake.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Posts exactly one event for a piece of work: the real one, or `fallback` if the work is
/// dropped before it finishes (say, its engine runtime shut down at the end of the run), so
/// that no JS promise waits forever.
pub struct Posting {
    inbox: Arc<Inbox>,
    fallback: Option<Event>,
}

impl Posting {
    pub fn new(inbox: Arc<Inbox>, fallback: Event) -> Self {
        Posting {
            inbox,
            fallback: Some(fallback),
        }
    }

    pub fn post(mut self, event: Event) {
        self.fallback = None;
        self.inbox.post(event);
    }
}

impl Drop for Posting {
    fn drop(&mut self) {
        if let Some(event) = self.fallback.take() {
            self.inbox.post(event);
        }
    }
}

/// The drained events as one flat JS array (no object keys to make per event):
/// - grant: `0, vu, granted`
/// - response: `1, token, status, statusText, proto, headers (name, value, ...), body (string,
///   Buffer or null), blocked, connecting, tlsHandshaking, sending, waiting, receiving,
///   duration, error, errorCode`
/// - failure: `2, token, message`
pub struct Events(pub Vec<Event>);

struct Flat {
    env: sys::napi_env,
    array: sys::napi_value,
    len: u32,
}

impl Flat {
    fn push_raw(&mut self, value: sys::napi_value) -> Result<()> {
        check_status!(unsafe { sys::napi_set_element(self.env, self.array, self.len, value) })?;
        self.len += 1;
        Ok(())
    }

    fn push<T: ToNapiValue>(&mut self, value: T) -> Result<()> {
        let value = unsafe { T::to_napi_value(self.env, value)? };
        self.push_raw(value)
    }

    /// A string decoded from UTF-8 by V8, as `Buffer.toString('utf8')` does (invalid sequences
    /// become U+FFFD).
    fn push_utf8(&mut self, bytes: &[u8]) -> Result<()> {
        let mut value = std::ptr::null_mut();
        check_status!(unsafe {
            sys::napi_create_string_utf8(
                self.env,
                bytes.as_ptr().cast(),
                bytes.len() as isize,
                &mut value,
            )
        })?;
        self.push_raw(value)
    }
}

impl ToNapiValue for Events {
    unsafe fn to_napi_value(env: sys::napi_env, events: Self) -> Result<sys::napi_value> {
        let mut array = std::ptr::null_mut();
        check_status!(unsafe { sys::napi_create_array(env, &mut array) })?;
        let mut out = Flat { env, array, len: 0 };
        for event in events.0 {
            match event {
                Event::Grant { vu, granted } => {
                    out.push(GRANT)?;
                    out.push(vu)?;
                    out.push(granted)?;
                }
                Event::Failure { token, message } => {
                    out.push(FAILURE)?;
                    out.push(token)?;
                    out.push(message)?;
                }
                Event::Response {
                    token,
                    text,
                    response: r,
                } => {
                    out.push(RESPONSE)?;
                    out.push(token)?;
                    out.push(r.status)?;
                    out.push(r.status_text)?;
                    out.push(r.proto)?;
                    let mut headers = std::ptr::null_mut();
                    check_status!(unsafe {
                        sys::napi_create_array_with_length(env, r.headers.len() * 2, &mut headers)
                    })?;
                    let mut flat = Flat {
                        env,
                        array: headers,
                        len: 0,
                    };
                    for h in r.headers {
                        flat.push(h.name)?;
                        flat.push(h.value)?;
                    }
                    out.push_raw(headers)?;
                    match r.body {
                        Some(body) if text => out.push_utf8(&body)?,
                        Some(body) => out.push(body)?,
                        None => out.push(Null)?,
                    }
                    let t = r.timings;
                    for v in [
                        t.blocked,
                        t.connecting,
                        t.tls_handshaking,
                        t.sending,
                        t.waiting,
                        t.receiving,
                        t.duration,
                    ] {
                        out.push(v)?;
                    }
                    out.push(r.error)?;
                    out.push(r.error_code)?;
                }
            }
        }
        Ok(array)
    }
}
