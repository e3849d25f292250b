package io.github.soapdl4j.examples.transformer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.TreeSet;

/**
 * A text as a sequence of character indices, with its vocabulary and a split into a training part and a
 * validation part (the tail), so that validation windows never overlap the training text.
 */
public final class CharCorpus {
    /** The text shipped with this module: chapters 1-29 of Pride and Prejudice (see text/README.md). */
    public static final String DEFAULT_RESOURCE = "/text/pride-and-prejudice.txt";

    private final char[] vocabulary;
    private final int[] train;
    private final int[] validation;

    private CharCorpus(String text, double validationFraction) {
        if (!(validationFraction > 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("validation fraction must lie in (0, 1): " + validationFraction);
        }
        TreeSet<Character> chars = new TreeSet<>();
        for (char c : text.toCharArray()) {
            chars.add(c);
        }
        vocabulary = new char[chars.size()];
        int[] indexOf = new int[Character.MAX_VALUE + 1];
        int i = 0;
        for (char c : chars) {
            indexOf[c] = i;
            vocabulary[i++] = c;
        }
        int[] all = text.chars().map(c -> indexOf[c]).toArray();
        int split = (int) Math.round(all.length * (1 - validationFraction));
        train = Arrays.copyOfRange(all, 0, split);
        validation = Arrays.copyOfRange(all, split, all.length);
    }

    /** @return {@code text} split so that its last {@code validationFraction} is the validation part */
    public static CharCorpus of(String text, double validationFraction) {
        return new CharCorpus(text, validationFraction);
    }

    /** @return the classpath resource {@code resource} (UTF-8), split as {@link #of} does */
    public static CharCorpus fromResource(String resource, double validationFraction) throws IOException {
        try (InputStream in = CharCorpus.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("No resource " + resource + " on the classpath");
            }
            return of(new String(in.readAllBytes(), StandardCharsets.UTF_8), validationFraction);
        }
    }

    /** @return the number of distinct characters; the model's output classes */
    public int vocabularySize() {
        return vocabulary.length;
    }

    /** @return the character with index {@code index} */
    public char character(int index) {
        return vocabulary[index];
    }

    /** @return the training part as character indices (not a copy: do not modify) */
    int[] train() {
        return train;
    }

    /** @return the validation part as character indices (not a copy: do not modify) */
    int[] validation() {
        return validation;
    }

    /** @return the lengths of the two parts, in characters */
    public int[] sizes() {
        return new int[] {train.length, validation.length};
    }
}
