//! One script worker thread's inbox: how the engine's threads hand iteration grants and
//! responses back to the JS thread in batches.
//!
//! A `#[napi] async fn` settles each promise with its own threadsafe function (made and torn down
//! per call, one wake-up of the JS thread per settlement). Script VUs make two such round trips
//! per iteration (the grant, the response), so instead the engine's threads post events here and
//! wake the JS thread only when it is not already due to drain: under load one wake-up delivers
//! the events of many VUs, and the JS side settles its own promises (`ts/script/hostLink.ts`).

use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

/// The JS callback that drains the inbox. Weak: it keeps the thread's event loop alive only while
/// something is outstanding (see [`Inbox::expect`]), so a worker whose VUs are done can exit.
pub type WakeFn = ThreadsafeFunction<(), Unknown<'static>, (), Status, false, true>;

pub enum Event {
    /// `waitIteration(vu)` resolved: the executor granted an iteration, or never will again.
    /// `iteration`: the granted iteration's number in its scenario; None: no more iterations.
    Grant { vu: u32, iteration: Option<u64> },
    /// `send(vu, token, request)` got its response.
    Response(Reply),
    /// `send` failed without a response (the test is stopping).
    Failure { token: u32, message: String },
}

/// A response as `drain()` hands it over, made on the engine worker that got it (see
/// `to_reply` in script_host.rs): the headers joined in one string.
pub struct Reply {
    pub token: u32,
    /// The body goes to JS as a string (else as a Buffer).
    pub text: bool,
    pub status: u32,
    pub status_text: String,
    pub proto: &'static str,
    /// `name\0value\0name\0value...` (httparse lets no NUL into a header).
    pub headers: String,
    pub body: Option<Buffer>,
    /// blocked, connecting, tls_handshaking, sending, waiting, receiving, duration (ms).
    pub timings: [f64; 7],
    pub error: String,
    pub error_code: u32,
}

const GRANT: u32 = 0;
const RESPONSE: u32 = 1;
const FAILURE: u32 = 2;

#[derive(Default)]
pub struct Inbox {
    events: Mutex<Vec<Event>>,
    /// A wake-up is on its way (or the JS thread is about to drain): no need for another.
    scheduled: AtomicBool,
    wake: Mutex<Option<Arc<WakeFn>>>,
    /// Grants and responses JS waits for and has not drained yet. JS thread only.
    outstanding: AtomicU32,
}

impl Inbox {
    pub fn listen(&self, wake: WakeFn) {
        *self.lock_wake() = Some(Arc::new(wake));
        // Whatever was posted before the callback existed.
        if !self.lock_events().is_empty() && !self.scheduled.swap(true, Ordering::AcqRel) {
            self.wake();
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
    pub fn post(self: &Arc<Self>, event: Event) {
        self.lock_events().push(event);
        if self.scheduled.swap(true, Ordering::AcqRel) {
            return;
        }
        // On an engine worker, the wake-up waits until the tasks already due there have run:
        // responses that arrived together reach JS together, with one wake-up.
        match napi::tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                let wake = WakeOnDrop(self.clone());
                // Dropped when it runs, or unrun if the runtime shuts down: either way, it wakes.
                runtime.spawn(async move { drop(wake) });
            }
            Err(_) => self.wake(),
        }
    }

    fn wake(&self) {
        // Called without the lock: the call takes a while, and the JS thread takes the lock too.
        let wake = self.lock_wake().clone();
        if let Some(wake) = wake {
            wake.call((), ThreadsafeFunctionCallMode::NonBlocking);
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

    fn lock_wake(&self) -> std::sync::MutexGuard<'_, Option<Arc<WakeFn>>> {
        self.wake.lock().unwrap_or_else(|e| e.into_inner())
    }
}

struct WakeOnDrop(Arc<Inbox>);

impl Drop for WakeOnDrop {
    fn drop(&mut self) {
        self.0.wake();
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

/// The drained events, for `drain()`: `[numbers, ...values]`, where `numbers` is a Float64Array
/// of every event's numbers, in order, and the values follow event by event (one napi call per
/// string instead of one per field):
/// - grant: numbers `0, vu, iteration` (the iteration's number in its scenario; -1: not granted)
/// - response: numbers `1, token, status, blocked, connecting, tlsHandshaking, sending, waiting,
///   receiving, duration, errorCode`; values `statusText, proto, headers, body, error`, where
///   `headers` is `name\0value\0name\0value...` (httparse lets no NUL into a header) and `body` a
///   string (text), a Buffer (binary) or null
/// - failure: numbers `2, token`; values `message`
pub struct Events(pub Vec<Event>);

impl ToNapiValue for Events {
    unsafe fn to_napi_value(env: sys::napi_env, events: Self) -> Result<sys::napi_value> {
        let mut numbers: Vec<f64> = Vec::with_capacity(events.0.len() * 11);
        let mut array = std::ptr::null_mut();
        check_status!(unsafe { sys::napi_create_array(env, &mut array) })?;
        let mut out = Values { env, array, len: 1 };
        for event in events.0 {
            match event {
                Event::Grant { vu, iteration } => {
                    // -1: not granted (iteration numbers fit an f64 exactly far beyond any test).
                    let iteration = iteration.map_or(-1.0, |i| i as f64);
                    numbers.extend([f64::from(GRANT), f64::from(vu), iteration]);
                }
                Event::Failure { token, message } => {
                    numbers.extend([FAILURE, token].map(f64::from));
                    out.push(message)?;
                }
                Event::Response(r) => {
                    let t = r.timings;
                    numbers.extend([
                        RESPONSE.into(),
                        r.token.into(),
                        r.status.into(),
                        t[0],
                        t[1],
                        t[2],
                        t[3],
                        t[4],
                        t[5],
                        t[6],
                        r.error_code.into(),
                    ]);
                    out.push(r.status_text)?;
                    out.push_utf8(r.proto.as_bytes())?;
                    out.push_utf8(r.headers.as_bytes())?;
                    match r.body {
                        Some(body) if r.text => out.push_utf8(&body)?,
                        Some(body) => out.push(body)?,
                        None => out.push(Null)?,
                    }
                    out.push(r.error)?;
                }
            }
        }
        // numbers go first, as a Float64Array over a copy of them.
        let bytes = std::mem::size_of_val(numbers.as_slice());
        let mut data = std::ptr::null_mut();
        let mut buffer = std::ptr::null_mut();
        check_status!(unsafe { sys::napi_create_arraybuffer(env, bytes, &mut data, &mut buffer) })?;
        if bytes > 0 {
            unsafe {
                std::ptr::copy_nonoverlapping(
                    numbers.as_ptr().cast::<u8>(),
                    data.cast::<u8>(),
                    bytes,
                )
            };
        }
        let mut typed = std::ptr::null_mut();
        check_status!(unsafe {
            sys::napi_create_typedarray(
                env,
                sys::TypedarrayType::float64_array,
                numbers.len(),
                buffer,
                0,
                &mut typed,
            )
        })?;
        check_status!(unsafe { sys::napi_set_element(env, array, 0, typed) })?;
        Ok(array)
    }
}

struct Values {
    env: sys::napi_env,
    array: sys::napi_value,
    len: u32,
}

impl Values {
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
