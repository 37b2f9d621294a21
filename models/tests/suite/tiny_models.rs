//! The tiny HF checkpoints of `testdata/fixtures/models/tiny` against their PyTorch reference
//! outputs (logits, hidden states, greedy tokens), and the invariants of batching, padding and
//! KV-cache decoding.

use std::path::PathBuf;

use burn::tensor::{Device, Tensor};
use models::arch::{CausalLm, Checkpoint, PadSide, TokenBatch, load_hf_folder};
use models::dtype::Dtype;
use models::error::ForwardError;
use models::safetensors_source::HfFolder;
use models::safetensors_source::SafetensorsSource;
use models::weights::WeightSource;

const ARCHS: [&str; 11] = [
    "llama",
    "qwen2",
    "gemma3",
    "gpt2",
    "qwen3",
    "gemma2",
    "phi3",
    "llama_yarn",
    "llama_dynamic",
    "phi3_longrope",
    "gemma3_multimodal",
];
/// Fixtures whose RoPE frequencies depend on the length of the forward pass (dynamic NTK,
/// LongRoPE): as in HF, keys cached by a shorter pass keep the frequencies of that pass.
const LENGTH_DEPENDENT: [&str; 2] = ["llama_dynamic", "phi3_longrope"];
const VOCAB: usize = 512;
const HIDDEN: usize = 64;
/// Largest |Δ logit| from PyTorch float32 allowed with bf16 products (measured: 2.2e-3 to
/// 5.9e-2 over the fixtures).
const BF16_LOGIT_TOLERANCE: f32 = 0.1;

fn fixture(arch: &str) -> PathBuf {
    testdata::fixtures().join("models/tiny").join(arch)
}

/// reference.json: three right-padded rows of 12 ids, logits at real positions and the mean
/// of the final-normed hidden state over real tokens; the fixtures made by
/// scripts/tiny_models.py also hold transformers' greedy continuation of each row.
struct Reference {
    ids: Vec<Vec<u32>>,
    mask: Vec<Vec<bool>>,
    logits: Vec<Vec<Vec<f32>>>,
    last_hidden_mean: Vec<Vec<f32>>,
    greedy_ids: Option<Vec<Vec<u32>>>,
}

fn reference(arch: &str) -> Reference {
    let text = std::fs::read_to_string(fixture(arch).join("reference.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let floats = |v: &serde_json::Value| -> Vec<f32> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap() as f32)
            .collect()
    };
    let rows = |key: &str| json[key].as_array().unwrap().clone();
    let id_rows = |rows: &[serde_json::Value]| -> Vec<Vec<u32>> {
        rows.iter()
            .map(|r| {
                r.as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_u64().unwrap() as u32)
                    .collect()
            })
            .collect()
    };
    Reference {
        ids: id_rows(&rows("input_ids")),
        mask: rows("attention_mask")
            .iter()
            .map(|r| {
                r.as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_u64().unwrap() == 1)
                    .collect()
            })
            .collect(),
        logits: rows("logits")
            .iter()
            .map(|r| r.as_array().unwrap().iter().map(floats).collect())
            .collect(),
        last_hidden_mean: rows("last_hidden_mean").iter().map(floats).collect(),
        greedy_ids: json
            .get("greedy_ids")
            .map(|g| id_rows(g.as_array().unwrap())),
    }
}

impl Reference {
    /// The real tokens of each row.
    fn sequences(&self) -> Vec<Vec<u32>> {
        self.ids
            .iter()
            .zip(&self.mask)
            .map(|(ids, mask)| {
                ids.iter()
                    .zip(mask)
                    .filter(|(_, m)| **m)
                    .map(|(i, _)| *i)
                    .collect()
            })
            .collect()
    }

    /// The reference batch exactly as given (right padding).
    fn batch(&self) -> TokenBatch {
        let rows = self.ids.len();
        let seq = self.ids[0].len();
        TokenBatch::new(rows, seq, self.ids.concat(), self.mask.concat()).unwrap()
    }
}

fn model(arch: &str) -> Box<dyn CausalLm> {
    load_hf_folder(&fixture(arch), &Device::default()).unwrap()
}

/// Fixture `arch` with its products in `dtype`.
fn model_in(arch: &str, dtype: Dtype) -> Box<dyn CausalLm> {
    let folder = HfFolder::open(&fixture(arch)).unwrap();
    let checkpoint = Checkpoint {
        config: &folder.config,
        config_path: &folder.config_path,
        weights: &folder.weights,
        weights_path: folder.weights.path(),
        dtype,
    };
    models::arch::load(&checkpoint, &Device::default()).unwrap()
}

fn values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor.into_data().as_slice::<f32>().unwrap().to_vec()
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// Final-normed hidden states `[rows × seq × HIDDEN]` and logits `[rows × seq × VOCAB]`.
fn run(model: &dyn CausalLm, batch: &TokenBatch) -> (Vec<f32>, Vec<f32>) {
    let out = model.forward(batch, None, false).unwrap();
    let [rows, seq, hidden] = out.last_hidden_state.dims();
    let logits = model
        .lm_head(out.last_hidden_state.clone().reshape([rows * seq, hidden]))
        .unwrap();
    (values(out.last_hidden_state), values(logits))
}

/// `width` values of position `pos` of row `row` in a `[rows × seq × width]` buffer.
fn at(data: &[f32], seq: usize, width: usize, row: usize, pos: usize) -> &[f32] {
    let start = (row * seq + pos) * width;
    &data[start..start + width]
}

fn check_reference(arch: &str) {
    check_against_reference(arch, "safetensors", model(arch).as_ref());
}

/// Compares `model` with fixture `arch`'s PyTorch reference (see [`check_reference`]).
fn check_against_reference(arch: &str, label: &str, model: &dyn CausalLm) {
    let reference = reference(arch);
    let batch = reference.batch();
    let seq = batch.seq_len();
    let (hidden, logits) = run(model, &batch);
    let mut logit_diff = 0.0f32;
    let mut mean_diff = 0.0f32;
    for (row, row_logits) in reference.logits.iter().enumerate() {
        let real = row_logits.len();
        assert_eq!(real, reference.mask[row].iter().filter(|m| **m).count());
        let mut mean = vec![0.0f32; HIDDEN];
        for (pos, expected) in row_logits.iter().enumerate() {
            let ours = at(&logits, seq, VOCAB, row, pos);
            logit_diff = logit_diff.max(max_abs_diff(ours, expected));
            assert_eq!(
                argmax(ours),
                argmax(expected),
                "{arch} row {row} pos {pos}: greedy next token differs from PyTorch's"
            );
            for (m, h) in mean.iter_mut().zip(at(&hidden, seq, HIDDEN, row, pos)) {
                *m += h / real as f32;
            }
        }
        mean_diff = mean_diff.max(max_abs_diff(&mean, &reference.last_hidden_mean[row]));
    }
    eprintln!(
        "{arch} {label}: max |Δ logits| = {logit_diff:.3e}, max |Δ hidden mean| = {mean_diff:.3e}"
    );
    assert!(logit_diff <= 1e-4, "{arch}: logits differ by {logit_diff}");
    assert!(
        mean_diff <= 1e-4,
        "{arch}: hidden means differ by {mean_diff}"
    );
}

/// Index of the largest value (the first of equals, as `torch.argmax`).
fn argmax(values: &[f32]) -> usize {
    values
        .iter()
        .enumerate()
        .fold((0, f32::NEG_INFINITY), |best, (i, &v)| {
            if v > best.1 { (i, v) } else { best }
        })
        .0
}

#[test]
fn llama_matches_pytorch() {
    check_reference("llama");
}

#[test]
fn qwen2_matches_pytorch() {
    check_reference("qwen2");
}

#[test]
fn gemma3_matches_pytorch() {
    check_reference("gemma3");
}

#[test]
fn gpt2_matches_pytorch() {
    check_reference("gpt2");
}

#[test]
fn qwen3_matches_pytorch() {
    check_reference("qwen3");
}

#[test]
fn gemma2_matches_pytorch() {
    check_reference("gemma2");
}

#[test]
fn phi3_matches_pytorch() {
    check_reference("phi3");
}

/// The language model of a Gemma3ForConditionalGeneration checkpoint, against HF's text-only
/// forward (input_ids only); the vision tower's tensors are in the file and left unread.
#[test]
fn gemma3_multimodal_matches_pytorch() {
    check_reference("gemma3_multimodal");
    let model = model("gemma3_multimodal");
    assert_eq!(model.shape().architecture.model_type(), "gemma3");
}

/// YaRN with non-default betas, `truncate: false` and mscale/mscale_all_dim.
#[test]
fn llama_yarn_matches_pytorch() {
    check_reference("llama_yarn");
}

/// Dynamic NTK: rows of 12 and 9 tokens pass max_position_embeddings 8, the row of 5 does not.
#[test]
fn llama_dynamic_matches_pytorch() {
    check_reference("llama_dynamic");
}

/// LongRoPE: rows of 12 and 9 tokens take the long factors, the row of 5 the short ones.
#[test]
fn phi3_longrope_matches_pytorch() {
    check_reference("phi3_longrope");
}

/// Greedy decoding with the KV cache, each row alone, gives transformers' `generate` tokens.
/// Where the model's cache goes stale (LongRoPE's switch to the long factors), the whole
/// sequence is prefilled again, as the runner and transformers' Phi-3 `generate` do.
#[test]
fn greedy_decoding_matches_transformers() {
    let mut checked = 0;
    for arch in ARCHS {
        let reference = reference(arch);
        let Some(expected) = &reference.greedy_ids else {
            continue;
        };
        let model = model(arch);
        for (row, tokens) in reference.sequences().iter().enumerate() {
            let generated = greedy(model.as_ref(), tokens, expected[row].len());
            assert_eq!(&generated, &expected[row], "{arch} row {row}");
        }
        checked += 1;
    }
    assert_eq!(
        checked, 7,
        "the fixtures of scripts/tiny_models.py carry greedy_ids"
    );
}

/// `count` greedy tokens after `tokens`, decoded with the KV cache; where the model's cache
/// goes stale the whole sequence is prefilled again.
fn greedy(model: &dyn CausalLm, tokens: &[u32], count: usize) -> Vec<u32> {
    let mut cache = model.new_cache(1);
    let mut batch = TokenBatch::padded(&[tokens], PadSide::Right).unwrap();
    let mut generated = Vec::new();
    while generated.len() < count {
        let (_, logits) = run_cached(model, &batch, &mut cache);
        let last = batch.seq_len() - 1;
        let next = argmax(at(&logits, batch.seq_len(), VOCAB, 0, last)) as u32;
        generated.push(next);
        batch = TokenBatch::new(1, 1, vec![next], vec![true]).unwrap();
        let length = tokens.len() + generated.len();
        if model.cache_stale_past().is_some_and(|n| length == n + 1) {
            cache = model.new_cache(1);
            let sequence = [tokens, &generated].concat();
            batch = TokenBatch::padded(&[sequence], PadSide::Right).unwrap();
        }
    }
    generated
}

/// Eight rows of 3 to 24 tokens in one right-padded batch give, at every real position, bit
/// for bit the hidden states and logits of each row run alone, in f32 and in bf16: the products
/// sum each output in the same order at any row count, and attention sums each query's visible
/// keys in slot order whatever the padding.
#[test]
fn batch_of_eight_is_bit_identical_to_rows_alone() {
    for (arch, dtype) in ARCHS
        .into_iter()
        .flat_map(|a| [(a, Dtype::F32), (a, Dtype::Bf16)])
    {
        let reference = reference(arch);
        let model = model_in(arch, dtype);
        let ids = reference.ids.concat();
        let rows: Vec<Vec<u32>> = (0..8).map(|i| ids[i..i + 3 + 3 * i].to_vec()).collect();
        let batch = TokenBatch::padded(&rows, PadSide::Right).unwrap();
        let seq = batch.seq_len();
        let (hidden, logits) = run(model.as_ref(), &batch);
        for (row, tokens) in rows.iter().enumerate() {
            let alone = TokenBatch::padded(&[tokens], PadSide::Right).unwrap();
            let (single_hidden, single_logits) = run(model.as_ref(), &alone);
            for pos in 0..tokens.len() {
                assert_eq!(
                    at(&hidden, seq, HIDDEN, row, pos),
                    at(&single_hidden, tokens.len(), HIDDEN, 0, pos),
                    "{arch} {dtype} row {row} pos {pos}: hidden state"
                );
                assert_eq!(
                    at(&logits, seq, VOCAB, row, pos),
                    at(&single_logits, tokens.len(), VOCAB, 0, pos),
                    "{arch} {dtype} row {row} pos {pos}: logits"
                );
            }
        }
    }
}

/// A short prompt run alone gives bit for bit the hidden states and logits it gets inside a
/// batch of eight prompts of its length (no padding, so attention sees the same shapes): alone
/// its 3 to 16 tokens take the few-row path of the dense products, in the batch the many-row
/// path, and both sum each output in the same order; in f32 and in bf16.
#[test]
fn short_prompt_alone_is_bit_identical_to_a_batch_of_eight() {
    for (arch, dtype) in ARCHS
        .into_iter()
        .flat_map(|a| [(a, Dtype::F32), (a, Dtype::Bf16)])
    {
        let reference = reference(arch);
        let model = model_in(arch, dtype);
        let ids = reference.ids.concat();
        for len in [3, 7, 12, 16] {
            let rows: Vec<Vec<u32>> = (0..8).map(|i| ids[2 * i..2 * i + len].to_vec()).collect();
            let batch = TokenBatch::padded(&rows, PadSide::Right).unwrap();
            let (hidden, logits) = run(model.as_ref(), &batch);
            for (row, tokens) in rows.iter().enumerate() {
                let alone = TokenBatch::padded(&[tokens], PadSide::Right).unwrap();
                let (single_hidden, single_logits) = run(model.as_ref(), &alone);
                let bits = |v: &[f32]| v.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                assert_eq!(
                    bits(&hidden[row * len * HIDDEN..(row + 1) * len * HIDDEN]),
                    bits(&single_hidden),
                    "{arch} {dtype} {len} tokens, row {row}: hidden states"
                );
                assert_eq!(
                    bits(&logits[row * len * VOCAB..(row + 1) * len * VOCAB]),
                    bits(&single_logits),
                    "{arch} {dtype} {len} tokens, row {row}: logits"
                );
            }
        }
    }
}

/// With bf16 products every architecture stays near PyTorch's float32 logits: the products'
/// inputs and weights are rounded to 8 significant bits, so logits move by up to 6e-2 here
/// (4e-6 in f32), and the greedy next token of every position is still PyTorch's where its
/// margin over the runner-up is clear.
#[test]
fn bf16_products_stay_near_pytorch_float32() {
    for arch in ARCHS {
        let reference = reference(arch);
        let batch = reference.batch();
        let seq = batch.seq_len();
        let (_, logits) = run(model_in(arch, Dtype::Bf16).as_ref(), &batch);
        let mut worst = 0.0f32;
        for (row, row_logits) in reference.logits.iter().enumerate() {
            for (pos, expected) in row_logits.iter().enumerate() {
                let ours = at(&logits, seq, VOCAB, row, pos);
                worst = worst.max(max_abs_diff(ours, expected));
                let mut sorted = expected.clone();
                sorted.sort_by(|a, b| b.total_cmp(a));
                if sorted[0] - sorted[1] > 0.1 {
                    assert_eq!(argmax(ours), argmax(expected), "{arch} row {row} pos {pos}");
                }
            }
        }
        eprintln!("{arch} bf16: max |Δ logits| = {worst:.3e}");
        assert!(
            worst > 1e-4,
            "{arch}: bf16 logits equal f32's: nothing was rounded"
        );
        assert!(
            worst <= BF16_LOGIT_TOLERANCE,
            "{arch}: bf16 logits differ by {worst}"
        );
    }
}

/// Every row run alone, unpadded, equals bit for bit the same row inside a padded batch (right
/// and left).
#[test]
fn padded_batches_equal_rows_run_alone() {
    for arch in ARCHS {
        let reference = reference(arch);
        let model = model(arch);
        let sequences = reference.sequences();
        for side in [PadSide::Right, PadSide::Left] {
            let batch = TokenBatch::padded(&sequences, side).unwrap();
            let seq = batch.seq_len();
            let (hidden, _) = run(model.as_ref(), &batch);
            assert!(
                hidden.iter().all(|v| v.is_finite()),
                "{arch} {side:?}: padding gave NaN"
            );
            for (row, tokens) in sequences.iter().enumerate() {
                let alone = TokenBatch::padded(&[tokens], PadSide::Right).unwrap();
                let (single, _) = run(model.as_ref(), &alone);
                let offset = if side == PadSide::Left {
                    seq - tokens.len()
                } else {
                    0
                };
                for pos in 0..tokens.len() {
                    assert_eq!(
                        at(&hidden, seq, HIDDEN, row, offset + pos),
                        at(&single, tokens.len(), HIDDEN, 0, pos),
                        "{arch} {side:?} row {row} pos {pos}"
                    );
                }
            }
        }
    }
}

/// Prefill all but the last `steps` tokens of each row, then feed one token per row per step:
/// the logits of every step equal the full forward's at that position. Rows have different
/// lengths, so the prefill is padded on either side and the cache holds padding slots. Not for
/// length-dependent RoPE, where (as in HF's `generate`, which the greedy test checks) cached
/// keys keep the frequencies of the shorter pass that computed them.
#[test]
fn kv_cache_decoding_matches_full_forward() {
    const STEPS: usize = 3;
    for arch in ARCHS.into_iter().filter(|a| !LENGTH_DEPENDENT.contains(a)) {
        let reference = reference(arch);
        let model = model(arch);
        let sequences = reference.sequences();
        let full: Vec<Vec<f32>> = sequences
            .iter()
            .map(|s| {
                run(
                    model.as_ref(),
                    &TokenBatch::padded(&[s], PadSide::Right).unwrap(),
                )
                .1
            })
            .collect();
        for side in [PadSide::Left, PadSide::Right] {
            let prefixes: Vec<&[u32]> = sequences.iter().map(|s| &s[..s.len() - STEPS]).collect();
            let mut cache = model.new_cache(sequences.len());
            let prefill = TokenBatch::padded(&prefixes, side).unwrap();
            model.forward(&prefill, Some(&mut cache), false).unwrap();
            let mut worst = 0.0f32;
            for step in 0..STEPS {
                let ids: Vec<u32> = sequences
                    .iter()
                    .map(|s| s[s.len() - STEPS + step])
                    .collect();
                let batch =
                    TokenBatch::new(ids.len(), 1, ids, vec![true; sequences.len()]).unwrap();
                let (_, logits) = run_cached(model.as_ref(), &batch, &mut cache);
                for (row, s) in sequences.iter().enumerate() {
                    let pos = s.len() - STEPS + step;
                    let diff = max_abs_diff(
                        at(&logits, 1, VOCAB, row, 0),
                        at(&full[row], s.len(), VOCAB, 0, pos),
                    );
                    worst = worst.max(diff);
                }
            }
            eprintln!(
                "{arch} {side:?}-padded prefill + {STEPS} steps: max |Δ logits| = {worst:.3e}"
            );
            assert!(
                worst <= 1e-4,
                "{arch} {side:?}: cached logits differ by {worst}"
            );
            assert_eq!(cache.real_tokens(0), sequences[0].len());
            assert_eq!(cache.real_tokens(2), sequences[2].len());
        }
    }
}

fn run_cached(
    model: &dyn CausalLm,
    batch: &TokenBatch,
    cache: &mut models::arch::KvCache,
) -> (Vec<f32>, Vec<f32>) {
    let out = model.forward(batch, Some(cache), false).unwrap();
    let [rows, seq, hidden] = out.last_hidden_state.dims();
    let logits = model
        .lm_head(out.last_hidden_state.clone().reshape([rows * seq, hidden]))
        .unwrap();
    (values(out.last_hidden_state), values(logits))
}

/// `hidden_states` has `layers + 1` entries: the scaled embeddings first, the final-normed
/// state last.
#[test]
fn hidden_states_follow_transformers_layout() {
    let reference = reference("gemma3");
    let model = model("gemma3");
    let batch = reference.batch();
    let out = model.forward(&batch, None, true).unwrap();
    let states = out.hidden_states.unwrap();
    assert_eq!(states.len(), 4);
    assert_eq!(
        values(states[3].clone()),
        values(out.last_hidden_state.clone())
    );
    let weights =
        SafetensorsSource::open_file(&fixture("gemma3").join("model.safetensors")).unwrap();
    let embed = weights.tensor("model.embed_tokens.weight").unwrap();
    let first = values(states[0].clone());
    let token = reference.ids[1][4] as usize;
    let expected: Vec<f32> = embed.data[token * HIDDEN..(token + 1) * HIDDEN]
        .iter()
        .map(|v| v * 8.0)
        .collect();
    assert_eq!(at(&first, 12, HIDDEN, 1, 4), expected.as_slice());
    // Block outputs differ from one another and from the embeddings.
    assert!(max_abs_diff(&values(states[1].clone()), &first) > 1e-3);

    // GPT-2's first entry is token plus learned position embeddings.
    let states = self::model("gpt2")
        .forward(&batch, None, true)
        .unwrap()
        .hidden_states
        .unwrap();
    assert_eq!(states.len(), 3);
    let weights = SafetensorsSource::open_file(&fixture("gpt2").join("model.safetensors")).unwrap();
    let wte = weights.tensor("transformer.wte.weight").unwrap();
    let wpe = weights.tensor("transformer.wpe.weight").unwrap();
    let token = reference.ids[0][3] as usize;
    let expected: Vec<f32> = (0..HIDDEN)
        .map(|i| wte.data[token * HIDDEN + i] + wpe.data[3 * HIDDEN + i])
        .collect();
    assert_eq!(
        at(&values(states[0].clone()), 12, HIDDEN, 0, 3),
        expected.as_slice()
    );
}

#[test]
fn invalid_inputs_are_errors() {
    let model = model("llama");
    let batch = TokenBatch::new(1, 2, vec![3, 512], vec![true, true]).unwrap();
    assert!(matches!(
        model.forward(&batch, None, false),
        Err(ForwardError::TokenOutOfRange {
            row: 0,
            column: 1,
            id: 512,
            vocab: 512
        })
    ));
    let batch = TokenBatch::new(1, 2, vec![3, 4], vec![true, true]).unwrap();
    let mut cache = model.new_cache(2);
    assert!(matches!(
        model.forward(&batch, Some(&mut cache), false),
        Err(ForwardError::CacheMismatch(_))
    ));
    assert_eq!(cache.slots(), 0);
    // A cache filled by GPT-2 (4 key/value heads) cannot continue in Llama (2).
    let gpt2 = self::model("gpt2");
    let mut foreign = gpt2.new_cache(1);
    gpt2.forward(&batch, Some(&mut foreign), false).unwrap();
    assert!(matches!(
        model.forward(&batch, Some(&mut foreign), false),
        Err(ForwardError::CacheMismatch(_))
    ));
    let narrow = Tensor::<2>::zeros([1, 32], &Device::default());
    assert!(matches!(
        model.lm_head(narrow),
        Err(ForwardError::HiddenSize {
            expected: 64,
            actual: 32
        })
    ));
    let long = TokenBatch::new(1, 129, vec![7; 129], vec![true; 129]).unwrap();
    assert!(matches!(
        gpt2.forward(&long, None, false),
        Err(ForwardError::TooLong {
            row: 0,
            position: 128,
            max: 128
        })
    ));
}

/// With a window as long as the sequence, Gemma 3 drifts from the reference only at positions
/// beyond the fixture's 4-token window: the reference comparison exercises the sliding layers.
#[test]
fn gemma3_sliding_window_is_exercised() {
    let dir = tempfile::tempdir().unwrap();
    let mut config: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("gemma3").join("config.json")).unwrap(),
    )
    .unwrap();
    config["sliding_window"] = 12.into();
    std::fs::write(dir.path().join("config.json"), config.to_string()).unwrap();
    std::fs::copy(
        fixture("gemma3").join("model.safetensors"),
        dir.path().join("model.safetensors"),
    )
    .unwrap();
    let reference = reference("gemma3");
    let model = load_hf_folder(dir.path(), &Device::default()).unwrap();
    let (_, logits) = run(model.as_ref(), &reference.batch());
    let inside = max_abs_diff(at(&logits, 12, VOCAB, 0, 3), &reference.logits[0][3]);
    let beyond = max_abs_diff(at(&logits, 12, VOCAB, 0, 11), &reference.logits[0][11]);
    assert!(inside <= 1e-4, "within the window: {inside}");
    assert!(beyond > 1e-3, "beyond the window: {beyond}");
}

/// Gemma 2's softcaps as transformers reads them: `null` turns a cap off, an absent field
/// takes HF's default (30 for the logits), and the fixture's 1.5 bounds every logit.
#[test]
fn gemma2_null_softcap_is_off_and_absent_is_the_default() {
    let reference = reference("gemma2");
    let batch = reference.batch();
    let logits_with = |edit: &dyn Fn(&mut serde_json::Value)| {
        let dir = tempfile::tempdir().unwrap();
        let mut config: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(fixture("gemma2").join("config.json")).unwrap(),
        )
        .unwrap();
        edit(&mut config);
        std::fs::write(dir.path().join("config.json"), config.to_string()).unwrap();
        std::fs::copy(
            fixture("gemma2").join("model.safetensors"),
            dir.path().join("model.safetensors"),
        )
        .unwrap();
        let model = load_hf_folder(dir.path(), &Device::default()).unwrap();
        let (_, logits) = run(model.as_ref(), &batch);
        // Row 0 has no padding.
        logits[..12 * VOCAB].to_vec()
    };
    let largest = |logits: &[f32]| logits.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    let capped = logits_with(&|_| {});
    let off = logits_with(&|c| c["final_logit_softcapping"] = serde_json::Value::Null);
    let default = logits_with(&|c| {
        c.as_object_mut().unwrap().remove("final_logit_softcapping");
    });
    assert!(largest(&capped) <= 1.5, "{}", largest(&capped));
    assert!(largest(&off) > 3.0, "{}", largest(&off));
    let expected: Vec<f32> = off.iter().map(|x| (x / 30.0).tanh() * 30.0).collect();
    assert!(max_abs_diff(&default, &expected) <= 1e-5);
    assert!(max_abs_diff(&default, &off) > 1e-3);
}

/// A multimodal Gemma 3 saved with its modules' nesting (`model.language_model.`, as
/// transformers 4.5x wrote it) loads like the one transformers 5 saves
/// (`language_model.model.`).
#[test]
fn gemma3_multimodal_reads_either_prefix() {
    let source = fixture("gemma3_multimodal");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(source.join("config.json"), dir.path().join("config.json")).unwrap();
    let bytes = std::fs::read(source.join("model.safetensors")).unwrap();
    let tensors = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let renamed: Vec<(String, safetensors::tensor::TensorView<'_>)> = tensors
        .tensors()
        .into_iter()
        .map(|(name, view)| {
            let name = match name.strip_prefix("language_model.model.") {
                Some(rest) => format!("model.language_model.{rest}"),
                None => name,
            };
            (name, view)
        })
        .collect();
    assert!(renamed.iter().any(|(n, _)| n.starts_with("vision_tower.")));
    safetensors::serialize_to_file(renamed, None, &dir.path().join("model.safetensors")).unwrap();
    let batch = reference("gemma3_multimodal").batch();
    let nested = load_hf_folder(dir.path(), &Device::default()).unwrap();
    assert_eq!(
        run(nested.as_ref(), &batch),
        run(model("gemma3_multimodal").as_ref(), &batch)
    );
}

/// The F32 GGUFs that llama.cpp's own convert_hf_to_gguf.py writes of the tiny Qwen3, Gemma 2
/// and Phi-3 (scripts/tiny_gguf.py) hold the safetensors tensors under their HF names, and give
/// the safetensors model's logits and, for Gemma 2 and Phi-3, PyTorch's and its greedy tokens.
/// llama.cpp keeps no sliding window for Qwen3, so that GGUF equals the safetensors model with
/// every layer global, not the reference, whose layer 2 slides.
#[test]
fn llama_cpp_ggufs_match_the_safetensors_models() {
    for arch in ["qwen3", "gemma2", "phi3"] {
        let path = fixture(arch).join("model-f32.gguf");
        let checkpoint = models::gguf::open(&path).unwrap();
        assert_eq!(checkpoint.architecture.name(), arch);
        let weights =
            SafetensorsSource::open_file(&fixture(arch).join("model.safetensors")).unwrap();
        let mut names = checkpoint.weights.names();
        names.sort_unstable();
        let mut expected: Vec<&str> = weights.names().collect();
        expected.sort_unstable();
        assert_eq!(names, expected, "{arch}");
        let from_gguf = models::arch::load(
            &Checkpoint {
                config: &checkpoint.config,
                config_path: &path,
                weights: &checkpoint.weights,
                weights_path: &path,
                dtype: models::dtype::Dtype::F32,
            },
            &Device::default(),
        )
        .unwrap();
        let from_safetensors = if arch == "qwen3" {
            let dir = tempfile::tempdir().unwrap();
            let mut config: serde_json::Value = serde_json::from_str(
                &std::fs::read_to_string(fixture(arch).join("config.json")).unwrap(),
            )
            .unwrap();
            config["use_sliding_window"] = false.into();
            config["layer_types"] = serde_json::json!(vec!["full_attention"; 3]);
            std::fs::write(dir.path().join("config.json"), config.to_string()).unwrap();
            std::fs::copy(
                fixture(arch).join("model.safetensors"),
                dir.path().join("model.safetensors"),
            )
            .unwrap();
            load_hf_folder(dir.path(), &Device::default()).unwrap()
        } else {
            model(arch)
        };
        let reference = reference(arch);
        let batch = reference.batch();
        let (_, gguf_logits) = run(from_gguf.as_ref(), &batch);
        let (_, st_logits) = run(from_safetensors.as_ref(), &batch);
        let mut diff = 0.0f32;
        let mut to_reference = 0.0f32;
        for (row, row_logits) in reference.logits.iter().enumerate() {
            for (pos, expected) in row_logits.iter().enumerate() {
                let ours = at(&gguf_logits, batch.seq_len(), VOCAB, row, pos);
                diff = diff.max(max_abs_diff(
                    ours,
                    at(&st_logits, batch.seq_len(), VOCAB, row, pos),
                ));
                to_reference = to_reference.max(max_abs_diff(ours, expected));
            }
        }
        eprintln!(
            "{arch} GGUF: max |Δ logits| = {diff:.3e} vs safetensors, {to_reference:.3e} vs PyTorch"
        );
        assert!(
            diff <= 1e-4,
            "{arch}: GGUF and safetensors logits differ by {diff}"
        );
        if arch != "qwen3" {
            check_against_reference(arch, "GGUF", from_gguf.as_ref());
            let expected = reference.greedy_ids.as_ref().unwrap();
            for (row, tokens) in reference.sequences().iter().enumerate() {
                let generated = greedy(from_gguf.as_ref(), tokens, expected[row].len());
                assert_eq!(&generated, &expected[row], "{arch} GGUF row {row}");
            }
        }
    }
}
