/**
 * Tokenizers behind one {@link dev.minerva.model.tokenizer.Tokenizer} interface:
 * {@link dev.minerva.model.tokenizer.Llama2cTokenizer} (llama2.c {@code tokenizer.bin}),
 * {@link dev.minerva.model.tokenizer.SentencePieceTokenizer} (a scored SentencePiece vocabulary, as in
 * {@code tokenizer.bin} and GGUF {@code llama} vocabs: merge by highest score) and
 * {@link dev.minerva.model.tokenizer.BpeTokenizer} (Hugging Face {@code tokenizer.json} BPE by merge rank,
 * SentencePiece-style with byte fallback or GPT-2/Llama 3 byte-level), read and written by
 * {@link dev.minerva.model.tokenizer.TokenizerJson}. Converting a scored vocabulary to
 * {@code tokenizer.json} derives merges whose ranks follow the merged piece's score, so both encode
 * alike (tested on tok512 and the Llama 2 32k vocabulary).
 */
package dev.minerva.model.tokenizer;
