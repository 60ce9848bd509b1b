/** Tokenizers behind one {@link dev.minerva.model.tokenizer.Tokenizer} interface, one class per file format. */
package dev.minerva.model.tokenizer;
