//! Position ids and attention masks of one forward step: causal over cached plus new slots,
//! padding slots hidden, optional sliding windows measured in positions.

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::{Bool, Device, Tensor, TensorData};

use crate::layers::kv_cache::KvCache;

/// The host flags of one sliding window (`None` = global), `[rows × q_len × slots]`.
type WindowFlags = (Option<usize>, Rc<[bool]>);

/// Positions and masks shared by every layer of one forward call.
pub(crate) struct StepContext {
    rows: usize,
    q_len: usize,
    /// Slots already in the cache.
    past: usize,
    device: Device,
    /// `[rows × q_len]` position ids of the new tokens.
    positions: Vec<usize>,
    /// Real tokens of each row once this step's are added (cached plus new).
    lengths: Vec<usize>,
    /// `[rows × (past + q_len)]` whether each key slot is a real token.
    key_real: Vec<bool>,
    /// `[rows × (past + q_len)]` position id of each key slot.
    key_position: Vec<usize>,
    /// Host flags built so far, by sliding window (`None` = global).
    flags: RefCell<Vec<WindowFlags>>,
    /// Mask tensors built so far, by sliding window.
    masks: RefCell<Vec<(Option<usize>, Tensor<4, Bool>)>>,
}

impl StepContext {
    /// Context for new tokens marked real by `mask` (`[rows × q_len]`) after the slots already
    /// in `cache`.
    pub(crate) fn new(
        mask: &[bool],
        rows: usize,
        q_len: usize,
        cache: Option<&KvCache>,
        device: &Device,
    ) -> Self {
        let past = cache.map_or(0, KvCache::slots);
        let kv_len = past + q_len;
        let mut positions = Vec::with_capacity(rows * q_len);
        let mut lengths = Vec::with_capacity(rows);
        let mut key_real = Vec::with_capacity(rows * kv_len);
        let mut key_position = Vec::with_capacity(rows * kv_len);
        for row in 0..rows {
            if let Some(cache) = cache {
                for slot in 0..past {
                    key_real.push(cache.slot_real(row, slot));
                    key_position.push(cache.slot_position(row, slot));
                }
            }
            let mut next = cache.map_or(0, |c| c.real_tokens(row));
            for &real in &mask[row * q_len..(row + 1) * q_len] {
                positions.push(next);
                key_real.push(real);
                key_position.push(next);
                next += usize::from(real);
            }
            lengths.push(next);
        }
        Self {
            rows,
            q_len,
            past,
            device: device.clone(),
            positions,
            lengths,
            key_real,
            key_position,
            flags: RefCell::new(Vec::new()),
            masks: RefCell::new(Vec::new()),
        }
    }

    /// Position ids of the new tokens, `[rows × q_len]`: the number of real tokens before each
    /// one in its row.
    pub(crate) fn positions(&self) -> &[usize] {
        &self.positions
    }

    /// Real tokens of each row, cached plus new: the sequence length of that row's forward
    /// pass, on which dynamic and LongRoPE frequencies depend.
    pub(crate) fn lengths(&self) -> &[usize] {
        &self.lengths
    }

    /// `[rows, 1, q_len, slots]`, `true` where a query may not see a key: padding, the future,
    /// and with a sliding `window` keys `window` or more positions back.
    pub(crate) fn mask(&self, window: Option<usize>) -> Tensor<4, Bool> {
        let mut masks = self.masks.borrow_mut();
        if let Some((_, mask)) = masks.iter().find(|(w, _)| *w == window) {
            return mask.clone();
        }
        let mask = self.build(window);
        masks.push((window, mask.clone()));
        mask
    }

    /// The mask of one layer, attending within `window` positions (or globally).
    pub(crate) fn for_layer(&self, window: Option<usize>) -> LayerMask<'_> {
        LayerMask {
            context: self,
            window,
        }
    }

    fn build(&self, window: Option<usize>) -> Tensor<4, Bool> {
        let kv_len = self.past + self.q_len;
        Tensor::from_data(
            TensorData::new(
                self.hidden(window).to_vec(),
                [self.rows, 1, self.q_len, kv_len],
            ),
            &self.device,
        )
    }

    /// [`StepContext::mask`] on the host, `[rows × q_len × slots]`, built once per window.
    fn hidden(&self, window: Option<usize>) -> Rc<[bool]> {
        let mut flags = self.flags.borrow_mut();
        if let Some((_, hidden)) = flags.iter().find(|(w, _)| *w == window) {
            return Rc::clone(hidden);
        }
        let hidden: Rc<[bool]> = self.build_hidden(window).into();
        flags.push((window, Rc::clone(&hidden)));
        hidden
    }

    fn build_hidden(&self, window: Option<usize>) -> Vec<bool> {
        let kv_len = self.past + self.q_len;
        let mut hidden = Vec::with_capacity(self.rows * self.q_len * kv_len);
        for row in 0..self.rows {
            let keys = row * kv_len..(row + 1) * kv_len;
            let real = &self.key_real[keys.clone()];
            let key_pos = &self.key_position[keys];
            for q in 0..self.q_len {
                let q_slot = self.past + q;
                let q_pos = self.positions[row * self.q_len + q];
                for k in 0..kv_len {
                    let outside_window =
                        window.is_some_and(|w| q_pos.saturating_sub(key_pos[k]) >= w);
                    hidden.push(!real[k] || k > q_slot || outside_window);
                }
            }
        }
        hidden
    }
}

/// What one layer may attend to: the step's context with the layer's sliding window.
#[derive(Clone, Copy)]
pub(crate) struct LayerMask<'a> {
    context: &'a StepContext,
    window: Option<usize>,
}

impl LayerMask<'_> {
    /// `[rows, 1, q_len, slots]`, `true` where a query may not see a key.
    pub(crate) fn tensor(&self) -> Tensor<4, Bool> {
        self.context.mask(self.window)
    }

    /// The same flags on the host, `[rows × q_len × slots]`.
    pub(crate) fn hidden(&self) -> Rc<[bool]> {
        self.context.hidden(self.window)
    }
}
