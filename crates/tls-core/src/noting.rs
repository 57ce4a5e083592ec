//! What a handshake's callbacks (the certificate resolver, the ticketer, the verifiers) note about the
//! one handshake they serve: rustls calls them without saying which connection they work for, but
//! always from inside the poll of that connection's handshake future, so a task-local set around that
//! future is the connection's own, on whichever thread the task runs.
//!
//! Without the `net` feature this crate drives no handshake, so nothing is noted: the slots are empty
//! and [`note`] does nothing (the callbacks then carry what they know in their errors alone).

#[cfg(feature = "net")]
use std::sync::{Mutex, PoisonError};

/// Declares a slot one handshake's callbacks note into: `slot! { static NAME: Mutex<T>; }`.
macro_rules! slot {
    ($(#[$meta:meta])* $vis:vis static $name:ident: Mutex<$t:ty>;) => {
        #[cfg(feature = "net")]
        tokio::task_local! {
            $(#[$meta])*
            $vis static $name: std::sync::Mutex<$t>;
        }
        #[cfg(not(feature = "net"))]
        $(#[$meta])*
        $vis static $name: $crate::noting::Slot<$t> = $crate::noting::Slot(std::marker::PhantomData);
    };
}
pub(crate) use slot;

/// Where notes are kept: a task-local set around the handshake.
#[cfg(feature = "net")]
pub(crate) type Slot<T> = tokio::task::LocalKey<Mutex<T>>;

/// Where notes would be kept: nowhere, with no handshake of this crate's to note them for.
#[cfg(not(feature = "net"))]
pub(crate) struct Slot<T>(pub(crate) std::marker::PhantomData<fn() -> T>);

/// Runs `future` with `key` holding `T`'s default for it, and gives back what `key` holds when it ends.
#[cfg(feature = "net")]
pub(crate) async fn noting<T: Default + 'static, F: Future>(key: &'static Slot<T>, future: F) -> (F::Output, T) {
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
#[cfg(feature = "net")]
pub(crate) fn note<T: 'static>(key: &'static Slot<T>, f: impl FnOnce(&mut T)) {
    let _ = key.try_with(|noted| f(&mut noted.lock().unwrap_or_else(PoisonError::into_inner)));
}

/// Nothing is noted without a handshake of this crate's to note it for.
#[cfg(not(feature = "net"))]
pub(crate) fn note<T: 'static>(_key: &'static Slot<T>, _f: impl FnOnce(&mut T)) {}
