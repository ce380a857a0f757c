//! The size of what a call answers: the host takes at most [`MAX_OUTPUT`] bytes of strings
//! from one call (a hostile or broken variant's 5 MiB state must not reach the store, a
//! problem document or the log). Calls made per request (validate, react, decide) are
//! bounded; metadata, steps and form are read once at load and checked there.

use crate::{wit, wit2};

/// The most bytes of strings one call may answer with (the request bodies the suite takes are
/// at most 64 KiB; a case's state grows with its inputs, well below this).
pub const MAX_OUTPUT: usize = 4 << 20;

/// The bytes of an answer: its strings' lengths, plus a word for each fixed-size value, so a
/// list of a million empty violations counts too.
pub(crate) trait Size {
    fn size(&self) -> usize;
}

impl Size for String {
    fn size(&self) -> usize {
        self.len()
    }
}

impl<T: Size> Size for Vec<T> {
    fn size(&self) -> usize {
        self.iter().map(|x| x.size() + 8).sum()
    }
}

impl<T: Size> Size for Option<T> {
    fn size(&self) -> usize {
        self.as_ref().map_or(0, Size::size)
    }
}

impl<T: Size, E: Size> Size for Result<T, E> {
    fn size(&self) -> usize {
        match self {
            Ok(t) => t.size(),
            Err(e) => e.size(),
        }
    }
}

/// Records: the sum of the named fields (the others are fixed-size).
macro_rules! records {
    ($($t:ty => $($f:ident),+;)+) => {$(
        impl Size for $t {
            fn size(&self) -> usize {
                8 $(+ self.$f.size())+
            }
        }
    )+};
}

records! {
    wit::Violation => field, rule, message;
    wit2::Violation => field, rule, message;
    wit2::Reaction => state, effects;
    wit2::Party => role, org;
    wit2::Entry => registry, key, body;
    wit2::OpenTask => key, party;
    wit2::CloseTask => key, reason;
    wit2::ExtendTask => key, rule;
    wit2::SetTimer => name, at, rule;
    wit2::OpenSlot => name, party, rule;
    wit2::StartCase => procedure, link, submission;
    wit2::Notify => party, subject, body;
    wit2::Explain => reasons, decision;
}

impl Size for wit2::Effect {
    fn size(&self) -> usize {
        use wit2::Effect as E;
        match self {
            E::OpenTask(x) => x.size(),
            E::CloseTask(x) => x.size(),
            E::ExtendTask(x) => x.size(),
            E::SetTimer(x) => x.size(),
            E::CancelTimer(x) | E::CloseSlot(x) | E::Unseal(x) | E::SetStatus(x) => x.size(),
            E::OpenSlot(x) => x.size(),
            E::PutEntry(x) => x.size(),
            E::StartCase(x) => x.size(),
            E::Notify(x) => x.size(),
            E::Explain(x) => x.size(),
        }
    }
}
