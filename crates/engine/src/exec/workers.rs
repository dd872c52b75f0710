use std::thread::JoinHandle;
use tokio::runtime::{Builder, Handle};
use tokio::sync::oneshot;

/// Engine worker threads, one single-threaded tokio runtime each (wrk's model: no work stealing,
/// a VU's connection and buffers stay on one core). VUs are spread over them round-robin.
pub struct WorkerPool {
    handles: Vec<Handle>,
    shutdown: Vec<oneshot::Sender<()>>,
    threads: Vec<JoinHandle<()>>,
}

impl WorkerPool {
    pub fn new(count: usize) -> std::io::Result<Self> {
        let count = count.max(1);
        let mut pool = WorkerPool {
            handles: Vec::with_capacity(count),
            shutdown: Vec::with_capacity(count),
            threads: Vec::with_capacity(count),
        };
        for i in 0..count {
            let runtime = Builder::new_current_thread().enable_all().build()?;
            let (tx, rx) = oneshot::channel::<()>();
            pool.handles.push(runtime.handle().clone());
            pool.shutdown.push(tx);
            let thread = std::thread::Builder::new()
                .name(format!("volley-worker-{i}"))
                .spawn(move || {
                    // Drives every VU task spawned on this runtime until the pool shuts down; a
                    // panicking task is caught by tokio and surfaces in its JoinHandle.
                    let _ = runtime.block_on(rx);
                    runtime.shutdown_background();
                })?;
            pool.threads.push(thread);
        }
        Ok(pool)
    }

    pub fn default_size() -> usize {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }

    pub fn len(&self) -> usize {
        self.handles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.handles.is_empty()
    }

    /// The runtime that hosts VU number `vu`.
    pub fn handle_for(&self, vu: u64) -> &Handle {
        &self.handles[(vu % self.handles.len() as u64) as usize]
    }
}

impl Drop for WorkerPool {
    fn drop(&mut self) {
        for tx in self.shutdown.drain(..) {
            let _ = tx.send(());
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}
