//! Collation: merging identical requests, cutting the rest into batches of one kind, longest
//! first, and putting the answers back in request order.
//!
//! Longest-first (as lm-evaluation-harness's `Collator` does) makes an out-of-memory batch show
//! up at the start of a run and keeps padding small. Length is a cheap proxy, the UTF-8 bytes of
//! the text the model reads, because tokenization belongs to the model.

use std::collections::HashMap;
use std::num::NonZeroUsize;

use crate::request::Request;

/// The kind of a request, which decides the model method that answers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RequestKind {
    /// [`Request::Loglikelihood`].
    Loglikelihood,
    /// [`Request::Rolling`].
    Rolling,
    /// [`Request::Generate`].
    Generate,
    /// [`Request::HiddenStates`].
    HiddenStates,
    /// [`Request::Tokenize`].
    Tokenize,
}

impl RequestKind {
    /// The kind of `request`.
    pub fn of(request: &Request) -> RequestKind {
        match request {
            Request::Loglikelihood(_) => RequestKind::Loglikelihood,
            Request::Rolling(_) => RequestKind::Rolling,
            Request::Generate(_) => RequestKind::Generate,
            Request::HiddenStates(_) => RequestKind::HiddenStates,
            Request::Tokenize(_) => RequestKind::Tokenize,
        }
    }

    /// The phase name progress reports and `manifest.json` use (lm-evaluation-harness's request
    /// type names where it has one).
    pub fn name(self) -> &'static str {
        match self {
            RequestKind::Loglikelihood => "loglikelihood",
            RequestKind::Rolling => "loglikelihood_rolling",
            RequestKind::Generate => "generate_until",
            RequestKind::HiddenStates => "hidden_states",
            RequestKind::Tokenize => "tokenize",
        }
    }
}

/// Requests that one model call can answer together: one kind, and for hidden states one
/// pooling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BatchGroup {
    /// Loglikelihood requests.
    Loglikelihood,
    /// Rolling loglikelihood requests.
    Rolling,
    /// Generation requests.
    Generate,
    /// Hidden-state requests, of any pooling: a text's poolings share its forward pass.
    HiddenStates,
    /// Tokenization requests.
    Tokenize,
}

impl BatchGroup {
    /// The group of `request`.
    pub fn of(request: &Request) -> BatchGroup {
        match request {
            Request::Loglikelihood(_) => BatchGroup::Loglikelihood,
            Request::Rolling(_) => BatchGroup::Rolling,
            Request::Generate(_) => BatchGroup::Generate,
            Request::HiddenStates(_) => BatchGroup::HiddenStates,
            Request::Tokenize(_) => BatchGroup::Tokenize,
        }
    }

    /// The request kind of the group.
    pub fn kind(self) -> RequestKind {
        match self {
            BatchGroup::Loglikelihood => RequestKind::Loglikelihood,
            BatchGroup::Rolling => RequestKind::Rolling,
            BatchGroup::Generate => RequestKind::Generate,
            BatchGroup::HiddenStates => RequestKind::HiddenStates,
            BatchGroup::Tokenize => RequestKind::Tokenize,
        }
    }
}

/// The bytes of text the model reads for `request`: context and continuation, the scored text,
/// or the prompt.
pub fn request_length(request: &Request) -> usize {
    match request {
        Request::Loglikelihood(r) => r.context.len() + r.continuation.len(),
        Request::Rolling(r) => r.text.len(),
        Request::Generate(r) => r.context.len(),
        Request::HiddenStates(r) => r.text.len(),
        Request::Tokenize(r) => r.text.len(),
    }
}

/// A request list with identical requests merged.
#[derive(Debug, Clone, PartialEq)]
pub struct Deduped<'r> {
    /// The distinct requests, in order of first occurrence.
    pub unique: Vec<&'r Request>,
    /// `origin[i]` is the index in `unique` of the `i`-th request of the input.
    pub origin: Vec<usize>,
    /// `first[u]` is the input index where `unique[u]` first occurs.
    pub first: Vec<usize>,
}

/// Merges identical requests of `requests`.
pub fn dedup<'r>(requests: impl IntoIterator<Item = &'r Request>) -> Deduped<'r> {
    let mut index: HashMap<&'r Request, usize> = HashMap::new();
    let mut deduped = Deduped {
        unique: Vec::new(),
        origin: Vec::new(),
        first: Vec::new(),
    };
    for (position, request) in requests.into_iter().enumerate() {
        let next = deduped.unique.len();
        let u = *index.entry(request).or_insert(next);
        if u == next {
            deduped.unique.push(request);
            deduped.first.push(position);
        }
        deduped.origin.push(u);
    }
    deduped
}

/// Requests answered by one model call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// What the requests are.
    pub group: BatchGroup,
    /// Indices into the request slice given to [`make_batches`], longest request first.
    pub members: Vec<usize>,
}

/// Cuts the requests of `requests` for which `is_pending(index)` holds into batches of at most
/// `batch_size` requests of one [`BatchGroup`]. Groups come in a fixed order (loglikelihood,
/// rolling, generation, hidden states, tokenization); within a group requests are sorted by
/// [`request_length`], longest first, then (hidden states) by text, so that a text's poolings
/// fall in one batch, then in index order; only the group's last batch may be short.
pub fn make_batches(
    requests: &[&Request],
    batch_size: NonZeroUsize,
    is_pending: impl Fn(usize) -> bool,
) -> Vec<Batch> {
    let mut groups: HashMap<BatchGroup, Vec<usize>> = HashMap::new();
    for (i, request) in requests.iter().enumerate().filter(|&(i, _)| is_pending(i)) {
        groups.entry(BatchGroup::of(request)).or_default().push(i);
    }
    let mut groups: Vec<(BatchGroup, Vec<usize>)> = groups.into_iter().collect();
    groups.sort_by_key(|(group, _)| group.kind());
    let mut batches = Vec::new();
    for (group, mut members) in groups {
        members.sort_by_key(|&i| {
            let text = match requests[i] {
                Request::HiddenStates(r) => Some(r.text.as_str()),
                _ => None,
            };
            (std::cmp::Reverse(request_length(requests[i])), text, i)
        });
        for chunk in members.chunks(batch_size.get()) {
            batches.push(Batch {
                group,
                members: chunk.to_vec(),
            });
        }
    }
    batches
}

/// Puts answers back in request order: `answers[u]` answers `unique[u]` of a [`Deduped`], and
/// the result holds `answers[origin[i]]` at `i`. Each answer is moved to its last requester and
/// cloned for the others. `None` when `origin` points past `answers`.
pub fn restore<T: Clone>(origin: &[usize], answers: Vec<T>) -> Option<Vec<T>> {
    let mut remaining = vec![0usize; answers.len()];
    for &u in origin {
        *remaining.get_mut(u)? += 1;
    }
    let mut answers: Vec<Option<T>> = answers.into_iter().map(Some).collect();
    origin
        .iter()
        .map(|&u| {
            remaining[u] -= 1;
            if remaining[u] == 0 {
                answers[u].take()
            } else {
                answers[u].clone()
            }
        })
        .collect()
}
