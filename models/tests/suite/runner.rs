//! The runner on the tiny fixture models: log-probabilities against PyTorch's logits, the
//! lm-evaluation-harness request semantics, sharing of forward passes, rolling windows,
//! generation, pooled hidden states and batch-size invariance.

use crate::runner_support;
use models::dtype::Dtype;

use harness::model::{LanguageModel, ModelError};
use harness::request::{
    GenerateRequest, HiddenStates, HiddenStatesRequest, LoglikelihoodRequest,
    LoglikelihoodResponse, Pooling, RollingRequest,
};
use models::runner::RunnerOptions;
use runner_support::{BOS, tiny_model, tiny_reference, words};

/// The RoPE-scaling fixtures whose generation is a full forward's argmax at every step: YaRN
/// does not depend on the length, and LongRoPE's cache is computed again where it goes stale.
/// (Dynamic NTK keys keep the frequencies of the pass that cached them, as in transformers.)
const ARCHES: [&str; 9] = [
    "llama",
    "qwen2",
    "gemma3",
    "gpt2",
    "qwen3",
    "gemma2",
    "phi3",
    "llama_yarn",
    "phi3_longrope",
];
/// The reference logits are rounded to 6 decimals.
const REFERENCE_TOLERANCE: f64 = 1e-4;
const BATCH_TOLERANCE: f64 = 1e-4;

fn request(context: &str, continuation: &str) -> LoglikelihoodRequest {
    LoglikelihoodRequest {
        context: context.to_string(),
        continuation: continuation.to_string(),
    }
}

/// Each request alone must give, bit for bit, what the batch gave.
fn assert_batch_invariant(
    model: &dyn LanguageModel,
    requests: &[LoglikelihoodRequest],
    batched: &[LoglikelihoodResponse],
) {
    for (request, together) in requests.iter().zip(batched) {
        let alone = &model.loglikelihood(std::slice::from_ref(request)).unwrap()[0];
        assert_eq!(
            alone.logprob.to_bits(),
            together.logprob.to_bits(),
            "{request:?}: {} alone, {} batched",
            alone.logprob,
            together.logprob
        );
        assert_eq!(alone.is_greedy, together.is_greedy, "{request:?}");
        assert_eq!(alone.num_tokens, together.num_tokens);
    }
}

/// Not for LongRoPE: scoring feeds all tokens but the last (as lm-eval does), so the 9-token
/// row runs as an 8-token pass with the short factors, the reference's 9 tokens with the long.
#[test]
fn token_logprobs_match_pytorch_on_every_architecture() {
    for arch in ARCHES.into_iter().filter(|a| *a != "phi3_longrope") {
        let (model, _dir) = tiny_model(arch, false);
        let reference = tiny_reference(arch);
        let sequences: Vec<Vec<u32>> = (0..3).map(|i| reference.tokens(i)).collect();
        let batched = model.token_logprobs(&sequences).unwrap();
        for (i, sequence) in sequences.iter().enumerate() {
            let alone = &model
                .token_logprobs(std::slice::from_ref(sequence))
                .unwrap()[0];
            assert_eq!(batched[i].len(), sequence.len() - 1);
            for (position, &token) in sequence[1..].iter().enumerate() {
                let expected = reference.logprob(i, position, token);
                let got = batched[i][position];
                assert!(
                    (got - expected).abs() <= REFERENCE_TOLERANCE,
                    "{arch} sequence {i} position {position}: {got} vs {expected}"
                );
                assert_eq!(alone[position].to_bits(), got.to_bits(), "{arch}");
            }
        }
    }
}

#[test]
fn loglikelihood_follows_lm_eval_encoding() {
    let (model, _dir) = tiny_model("gemma3", false);
    let reference = tiny_reference("gemma3");
    let tokens = reference.tokens(0);
    // Context = first 7 words with a trailing space, continuation = the next 3 words.
    let context = format!("{} ", words(&tokens[..7]));
    let continuation = words(&tokens[7..10]);
    let answer = &model
        .loglikelihood(&[request(&context, &continuation)])
        .unwrap()[0];
    let expected: f64 = (6..9).map(|p| reference.logprob(0, p, tokens[p + 1])).sum();
    assert!((answer.logprob - expected).abs() <= 3.0 * REFERENCE_TOLERANCE);
    assert_eq!(answer.num_tokens, 3);
    // The trailing space moved into the continuation.
    assert_eq!(answer.num_bytes, continuation.len() + 1);
    let greedy = (6..9).all(|p| reference.is_argmax(0, p, tokens[p + 1]));
    assert_eq!(answer.is_greedy, greedy);

    // The greedy next word is greedy; any other word is not.
    let best = (0..512u32).find(|&t| reference.is_argmax(0, 6, t)).unwrap();
    let context = words(&tokens[..7]);
    let answers = model
        .loglikelihood(&[
            request(&context, &format!(" w{best}")),
            request(
                &context,
                &format!(" w{}", if best == 300 { 301 } else { 300 }),
            ),
        ])
        .unwrap();
    assert!(answers[0].is_greedy && !answers[1].is_greedy);
    assert!(answers[0].logprob > answers[1].logprob);
}

#[test]
fn empty_context_is_scored_after_bos() {
    let (model, _dir) = tiny_model("gemma3", true);
    let answer = &model.loglikelihood(&[request("", "w180 w496")]).unwrap()[0];
    let direct = &model.token_logprobs(&[vec![BOS, 180, 496]]).unwrap()[0];
    assert_eq!((answer.num_tokens, answer.num_bytes), (2, 9));
    assert!((answer.logprob - direct.iter().sum::<f64>()).abs() <= BATCH_TOLERANCE);
}

#[test]
fn multiple_choice_requests_share_passes_and_stay_batch_invariant() {
    let (model, _dir) = tiny_model("gemma3", true);
    let context = "w10 w11 w12 w13 w14 w15 w16 w17 Answer:";
    let mut requests: Vec<LoglikelihoodRequest> = ["w20", "w21", "w22", "w23"]
        .iter()
        .map(|c| request(&format!("{context} "), c))
        .collect();
    requests.push(request(context, " w20 w30 w31"));
    requests.push(request("w40 w41", " w42"));
    requests.push(request("w40 w41 w42", " w43 w44"));
    let batched = model.loglikelihood(&requests).unwrap();
    assert_batch_invariant(&model, &requests, &batched);
    // The first choice is a prefix of the multi-token one: same first-token log-prob.
    let two = &model
        .loglikelihood(&[request(context, " w20 w30")])
        .unwrap()[0];
    let first_of_two = two.logprob
        - model
            .token_logprobs(&[model.tokenize(&format!("{context} w20 w30")).unwrap()])
            .unwrap()[0]
            .last()
            .unwrap();
    assert!((first_of_two - batched[0].logprob).abs() <= BATCH_TOLERANCE);
    // Exactly one of the four single-token choices can be greedy at most.
    assert!(batched[..4].iter().filter(|a| a.is_greedy).count() <= 1);
}

#[test]
fn long_inputs_are_truncated_from_the_left() {
    let (model, _dir) = tiny_model("llama", false);
    let model = model.with_options(RunnerOptions {
        max_context: Some(6),
        ..RunnerOptions::default()
    });
    let reference = tiny_reference("llama");
    let tokens = reference.tokens(0);
    // 12 tokens, max context 6: the input is the 6 tokens before the last.
    let answer = &model
        .loglikelihood(&[request(
            &words(&tokens[..10]),
            &format!(" {}", words(&tokens[10..])),
        )])
        .unwrap()[0];
    let truncated = &model.token_logprobs(&[tokens[5..].to_vec()]).unwrap()[0];
    let expected: f64 = truncated[truncated.len() - 2..].iter().sum();
    assert!((answer.logprob - expected).abs() <= BATCH_TOLERANCE);
    let err = model
        .loglikelihood(&[request("w5", &format!(" {}", words(&tokens[..7])))])
        .unwrap_err();
    assert!(
        matches!(err, ModelError::InvalidRequest(ref m) if m.contains("more than the model's context of 6")),
        "{err}"
    );
}

#[test]
fn rolling_loglikelihood_sums_disjoint_windows() {
    let (model, _dir) = tiny_model("gemma3", true);
    let model = model.with_options(RunnerOptions {
        max_context: Some(8),
        ..RunnerOptions::default()
    });
    let tokens: Vec<u32> = (100..120).collect();
    let text = words(&tokens);
    let answers = model
        .loglikelihood_rolling(&[
            RollingRequest { text: text.clone() },
            RollingRequest {
                text: String::new(),
            },
        ])
        .unwrap();
    // Windows of 8: BOS + t0..t6 predicts t0..t7; t7..t14 predicts t8..t15; t11..t18
    // predicts t16..t19.
    let mut first = vec![BOS];
    first.extend(&tokens[..8]);
    let scored = model
        .token_logprobs(&[first, tokens[7..16].to_vec(), tokens[11..20].to_vec()])
        .unwrap();
    let expected: f64 = scored[0].iter().sum::<f64>()
        + scored[1].iter().sum::<f64>()
        + scored[2][4..].iter().sum::<f64>();
    assert!(
        (answers[0].logprob - expected).abs() <= BATCH_TOLERANCE,
        "{} vs {expected}",
        answers[0].logprob
    );
    assert_eq!(
        (answers[0].num_tokens, answers[0].num_bytes),
        (20, text.len())
    );
    assert_eq!(
        (
            answers[1].logprob,
            answers[1].num_tokens,
            answers[1].num_bytes
        ),
        (0.0, 0, 0)
    );
}

fn generate(context: &str, until: &[&str], max_new_tokens: usize) -> GenerateRequest {
    GenerateRequest {
        context: context.to_string(),
        until: until.iter().map(|s| s.to_string()).collect(),
        max_new_tokens,
    }
}

#[test]
fn greedy_generation_is_batch_invariant_and_agrees_with_scoring() {
    for arch in ARCHES {
        let (model, _dir) = tiny_model(arch, true);
        let requests = [
            generate("w180 w496 w430 w186 w81 w236 w121", &[], 8),
            generate("w471 w56", &[], 8),
            generate("w124 w286 w295 w508", &[], 5),
        ];
        let batched = model.generate(&requests).unwrap();
        for (request, answer) in requests.iter().zip(&batched) {
            let alone = &model.generate(std::slice::from_ref(request)).unwrap()[0];
            assert_eq!(alone, answer, "{arch} {:?}", request.context);
            assert!(answer.token_ids.len() <= request.max_new_tokens);
            // Every generated token is the argmax after the ones before it.
            let mut prefix = model.tokenize(&request.context).unwrap();
            for &token in &answer.token_ids {
                let scores = model
                    .token_logprobs(&[[prefix.clone(), vec![token]].concat()])
                    .unwrap();
                let chosen = *scores[0].last().unwrap();
                for other in [3u32, 100, 200, 300, 400, 511] {
                    if other != token {
                        let alt = model
                            .token_logprobs(&[[prefix.clone(), vec![other]].concat()])
                            .unwrap();
                        assert!(
                            chosen >= *alt[0].last().unwrap() - 1e-6,
                            "{arch}: {token} vs {other}"
                        );
                    }
                }
                prefix.push(token);
            }
        }
    }
}

#[test]
fn generation_stops_at_stop_strings_eos_and_the_token_limit() {
    let (model, _dir) = tiny_model("llama", true);
    let prompt = "w180 w496 w430 w186";
    let free = &model.generate(&[generate(prompt, &[], 6)]).unwrap()[0];
    assert_eq!(free.token_ids.len(), 6);
    let ids = &free.token_ids;
    // Stop at the third generated word: the text ends before it, the ids include it.
    let third = format!("w{}", ids[2]);
    let first_at = free.text.find(&third).unwrap();
    let stopped = &model
        .generate(&[generate(prompt, &[third.as_str()], 6)])
        .unwrap()[0];
    assert_eq!(stopped.text, free.text[..first_at]);
    let completes = ids
        .iter()
        .position(|&id| format!("w{id}") == third)
        .unwrap();
    assert_eq!(stopped.token_ids, ids[..=completes]);
    let none = &model.generate(&[generate(prompt, &[], 0)]).unwrap()[0];
    assert!(none.token_ids.is_empty() && none.text.is_empty());
    let err = model.generate(&[generate(prompt, &[], 128)]).unwrap_err();
    assert!(matches!(err, ModelError::InvalidRequest(_)), "{err}");
}

#[test]
fn generation_ends_at_eos_from_the_config() {
    let (model, _dir) = tiny_model("gemma3", true);
    let prompt = "w300 w301 w302";
    let free = &model.generate(&[generate(prompt, &[], 6)]).unwrap()[0];
    // Copy the model with its config's EOS set to the second generated token.
    let folder = tempfile::tempdir().unwrap();
    let source = runner_support::tiny_dir("gemma3");
    let mut config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(source.join("config.json")).unwrap())
            .unwrap();
    config["eos_token_id"] = serde_json::json!([free.token_ids[1]]);
    std::fs::write(folder.path().join("config.json"), config.to_string()).unwrap();
    std::fs::copy(
        source.join("model.safetensors"),
        folder.path().join("model.safetensors"),
    )
    .unwrap();
    std::fs::write(
        folder.path().join("tokenizer.json"),
        runner_support::tokenizer_json(true),
    )
    .unwrap();
    let model = models::loader::load_model(
        folder.path(),
        None,
        &burn::tensor::Device::default(),
        Dtype::F32,
    )
    .unwrap();
    let ended = &model.generate(&[generate(prompt, &[], 6)]).unwrap()[0];
    let stop = free
        .token_ids
        .iter()
        .position(|&t| t == free.token_ids[1])
        .unwrap();
    assert_eq!(ended.token_ids, free.token_ids[..=stop]);
}

#[test]
fn forwarded_tokens_count_real_tokens_once_per_shared_pass() {
    let (model, _dir) = tiny_model("gemma3", true);
    let before = model.forwarded_tokens().unwrap();
    // Two single-token choices after one context share one pass over BOS w10 w11 w12.
    model
        .loglikelihood(&[
            request("w10 w11 w12", " w20"),
            request("w10 w11 w12", " w21"),
        ])
        .unwrap();
    let after_choices = model.forwarded_tokens().unwrap();
    assert_eq!(after_choices - before, 4);
    // Rows of 3 and 4 tokens padded to 4: padding is not counted, and one pass serves both
    // poolings.
    let asked = [
        ("w3 w4", Pooling::Last),
        ("w5 w6 w7", Pooling::Last),
        ("w3 w4", Pooling::Mean),
        ("w5 w6 w7", Pooling::WeightedMean),
    ]
    .map(|(text, pooling)| HiddenStatesRequest {
        text: text.to_string(),
        pooling,
    });
    let answers = model.hidden_states(&asked).unwrap();
    assert_eq!(model.forwarded_tokens().unwrap() - after_choices, 7);
    // Each answer is its request's text under its pooling, as asked alone.
    for (request, answer) in asked.iter().zip(&answers) {
        let alone = &model.hidden_states(std::slice::from_ref(request)).unwrap()[0];
        assert_eq!(alone, answer, "{request:?}");
    }
}

/// Each text of `texts` pooled by `pooling`.
fn pooled(model: &impl LanguageModel, texts: &[String], pooling: Pooling) -> Vec<HiddenStates> {
    let requests: Vec<HiddenStatesRequest> = texts
        .iter()
        .map(|text| HiddenStatesRequest {
            text: text.clone(),
            pooling,
        })
        .collect();
    model.hidden_states(&requests).unwrap()
}

#[test]
fn hidden_states_pool_real_tokens_only() {
    let (model, _dir) = tiny_model("gemma3", false);
    let reference = tiny_reference("gemma3");
    let texts: Vec<String> = (0..3).map(|i| words(&reference.tokens(i))).collect();
    let means = pooled(&model, &texts, Pooling::Mean);
    for (i, states) in means.iter().enumerate() {
        // Embeddings plus one entry per layer (3 layers).
        assert_eq!(states.layers.len(), 4);
        let last = states.layers.last().unwrap();
        for (a, b) in last.iter().zip(&reference.last_hidden_mean[i]) {
            assert!((a - b).abs() <= 1e-4, "sequence {i}: {a} vs {b}");
        }
        let alone = &pooled(&model, std::slice::from_ref(&texts[i]), Pooling::Mean)[0];
        for (x, y) in alone
            .layers
            .iter()
            .flatten()
            .zip(states.layers.iter().flatten())
        {
            assert!((x - y).abs() <= 1e-4);
        }
    }
    // Causality gives every token's state as the last state of its prefix: rebuild the
    // weighted mean of sequence 2 from those.
    let tokens = reference.tokens(2);
    let prefixes: Vec<String> = (1..=tokens.len()).map(|n| words(&tokens[..n])).collect();
    let lasts = pooled(&model, &prefixes, Pooling::Last);
    let weighted = &pooled(&model, &texts[2..3], Pooling::WeightedMean)[0];
    let total: f32 = (1..=tokens.len()).map(|w| w as f32).sum();
    for layer in 0..weighted.layers.len() {
        for d in 0..weighted.layers[layer].len() {
            let expected: f32 = lasts
                .iter()
                .enumerate()
                .map(|(t, s)| (t + 1) as f32 * s.layers[layer][d])
                .sum::<f32>()
                / total;
            assert!(
                (weighted.layers[layer][d] - expected).abs() <= 1e-4,
                "layer {layer} dim {d}"
            );
        }
    }
}

#[test]
fn bad_requests_are_reported_not_panicked() {
    let (model, _dir) = tiny_model("gemma3", false);
    let err = model.loglikelihood(&[request("w5 w6", "")]).unwrap_err();
    assert!(
        matches!(err, ModelError::InvalidRequest(ref m) if m.contains("adds no tokens")),
        "{err}"
    );
    let err = model
        .hidden_states(&[HiddenStatesRequest {
            text: String::new(),
            pooling: Pooling::Mean,
        }])
        .unwrap_err();
    assert!(
        matches!(err, ModelError::InvalidRequest(ref m) if m.contains("0 tokens")),
        "{err}"
    );
    let err = model.token_logprobs(&[vec![5, 600]]).unwrap_err();
    assert!(
        matches!(err, ModelError::InvalidRequest(ref m) if m.contains("600")),
        "{err}"
    );
}

#[test]
fn info_describes_the_model() {
    let (model, _dir) = tiny_model("gemma3", true);
    let info = model.info();
    assert_eq!(info.architecture, "gemma3_text");
    assert_eq!(
        (info.num_layers, info.hidden_size, info.vocab_size),
        (3, 64, 512)
    );
    assert_eq!(info.max_context, 128);
    // The CPU backend packs weights into panels; a GPU build (scripts/wgpu-check.sh) runs on
    // burn's cube backend.
    let backend = if cfg!(feature = "wgpu") {
        "cube"
    } else {
        "flex+panels"
    };
    assert_eq!(
        (info.backend.as_str(), info.dtype.as_str()),
        (backend, "f32")
    );
    assert_eq!(model.tokenize("w7 w8").unwrap(), [BOS, 7, 8]);
}
