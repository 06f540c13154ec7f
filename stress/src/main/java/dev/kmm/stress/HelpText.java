package dev.kmm.stress;

import java.util.List;

/** Help text built in code: paragraphs wrapped to the terminal width picocli assumes. */
final class HelpText {
    /** The longest line, in columns. */
    static final int WIDTH = 78;

    private HelpText() {
    }

    /** Adds {@code text} to {@code out} in lines of at most {@link #WIDTH}, the first after {@code head}. */
    static void wrap(List<String> out, String head, String text) {
        String indent = " ".repeat(head.length());
        StringBuilder line = new StringBuilder(head);
        for (String word : text.split(" ")) {
            if (line.length() > indent.length() && line.length() + 1 + word.length() > WIDTH) {
                out.add(line.toString());
                line = new StringBuilder(indent);
            }
            if (line.length() > indent.length()) {
                line.append(' ');
            }
            line.append(word);
        }
        out.add(line.toString());
    }
}
