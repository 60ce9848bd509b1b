package dev.minerva.model.convert;

import dev.minerva.model.ChatSpec;
import dev.minerva.model.LoadedModel;
import dev.minerva.model.ModelFormatException;
import dev.minerva.model.ModelLoader;
import dev.minerva.model.OutputTensor;
import dev.minerva.model.gguf.GgufModel;
import dev.minerva.model.safetensors.SafetensorsModel;
import dev.minerva.model.tokenizer.SentencePieceTokenizer;
import dev.minerva.model.tokenizer.SentencePieceVocab;
import dev.minerva.tensor.DType;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Converts a model in any readable format (llama2.c .bin + tokenizer.bin, safetensors folder, GGUF)
 * to a safetensors folder or a GGUF file, re-encoding tensors under a {@link ConversionPlan}.
 * The tokenizer is carried over when it is a SentencePiece vocabulary (tokenizer.bin or a GGUF
 * {@code llama} vocab); the chat template and the end tokens beyond EOS always are.
 */
public final class Converter {
    private Converter() {}

    /** Output formats. */
    public enum Target { SAFETENSORS, GGUF }

    /** What was written. */
    public record Result(Path out, long bytes, boolean tokenizerWritten) {}

    public static Result convert(Path model, Path tokenizer, Target to, DType dtype, Path out, LongConsumer progress) throws IOException {
        LoadedModel m = ModelLoader.open(model, tokenizer);
        SentencePieceVocab vocab = null;
        if (tokenizer != null && !tokenizer.getFileName().toString().endsWith(".json")) vocab = SentencePieceVocab.readLlama2c(tokenizer);
        else if (m.tokenizer() instanceof SentencePieceTokenizer sp) vocab = sp.vocab();
        if (vocab != null && vocab.size() != m.config().vocabSize()) {
            throw new ModelFormatException(tokenizer, "vocab size", -1, "tokenizer has " + vocab.size() + " tokens, the model's vocab is " + m.config().vocabSize());
        }
        List<OutputTensor> tensors = ConversionPlan.of(m.weights(), dtype);
        String name = model.toAbsolutePath().getFileName().toString().replaceFirst("\\.(bin|gguf)$", "");
        // the EOS is written as EOS where the tokenizer is carried; listed again it would take one of GGUF's two end-token keys
        ChatSpec chat = m.tokenizer() == null ? m.chat() : m.chat().withoutToken(m.tokenizer().eos());
        write(to, out, name, m.config(), tensors, vocab, chat, progress);
        long bytes = tensors.stream().mapToLong(OutputTensor::byteSize).sum();
        return new Result(out, bytes, vocab != null);
    }

    /** Writes {@code tensors} (canonical names) as {@code to}, with no chat template. */
    public static void write(Target to, Path out, String name, dev.minerva.model.ModelConfig cfg, List<OutputTensor> tensors,
                             SentencePieceVocab vocab, LongConsumer progress) throws IOException {
        write(to, out, name, cfg, tensors, vocab, ChatSpec.NONE, progress);
    }

    /** Writes {@code tensors} (canonical names) as {@code to}, with the chat template and end tokens of {@code chat}. */
    public static void write(Target to, Path out, String name, dev.minerva.model.ModelConfig cfg, List<OutputTensor> tensors,
                             SentencePieceVocab vocab, ChatSpec chat, LongConsumer progress) throws IOException {
        switch (to) {
            case SAFETENSORS -> SafetensorsModel.write(out, cfg, tensors, vocab, chat, progress);
            case GGUF -> GgufModel.write(out, name, cfg, tensors, vocab, chat, progress);
        }
    }
}
