//! What a handshake's callbacks (the certificate resolver, the ticketer, the verifiers) note about the
//! one handshake they serve: rustls calls them without saying which connection they work for, but
//! always from inside the poll of that connection's handshake future, so a task-local set around that
//! future is the connection's own, on whichever thread the task runs.

use std::future::Future;
use std::sync::{Mutex, PoisonError};

use tokio::task::LocalKey;

/// Runs `future` with `key` holding `T`'s default for it, and gives back what `key` holds when it ends.
pub(crate) async fn noting<T: Default + 'static, F: Future>(
    key: &'static LocalKey<Mutex<T>>,
    future: F,
) -> (F::Output, T) {
    let scoped = key.scope(Mutex::new(T::default()), future);
    tokio::pin!(scoped);
    let output = (&mut scoped).await;
    let noted = scoped
        .as_mut()
        .take_value()
        .map(|noted| noted.into_inner().unwrap_or_else(PoisonError::into_inner))
        .unwrap_or_default();
    (output, noted)
}

/// Changes what `key` holds for the handshake this task drives; nothing outside [`noting`].
pub(crate) fn note<T: 'static>(key: &'static LocalKey<Mutex<T>>, f: impl FnOnce(&mut T)) {
    let _ = key.try_with(|noted| f(&mut noted.lock().unwrap_or_else(PoisonError::into_inner)));
}
