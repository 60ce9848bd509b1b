package dev.minerva.model;

import dev.minerva.model.convert.Converter;
import dev.minerva.model.convert.SyntheticModel;
import dev.minerva.model.tokenizer.SentencePieceVocab;
import dev.minerva.tensor.DType;

import java.nio.file.Path;

/** Tiny valid model files for bad-input and fuzz tests. */
public final class FuzzModels {
    private FuzzModels() {}

    /** dim 32, 1 layer, GQA 4/2 heads, hidden 64, vocab 300 (synthetic byte-fallback vocab). */
    public static final ModelConfig TINY = new ModelConfig(32, 64, 1, 4, 2, 300, 64, 10000, 1e-5, false, null);

    public static Path write(Converter.Target to, DType dtype, Path out) throws Exception {
        Converter.write(to, out, "tiny", TINY, SyntheticModel.tensors(TINY, dtype, 3), SentencePieceVocab.synthetic(TINY.vocabSize()), b -> {});
        return out;
    }
}
