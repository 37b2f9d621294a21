//! Helpers for the GGUF tests: a GGUF writer and a converter from the tiny HF fixtures that
//! follows llama.cpp's conventions.

pub mod convert;
pub mod writer;
