package dev.kmm.stress.report;

import java.util.ArrayList;
import java.util.List;

/** A text table: columns as wide as their widest cell, numbers right-aligned, text left-aligned. */
final class Table {
    private final List<String[]> rows = new ArrayList<>();
    private final boolean[] left;

    /** {@code left[i]}: column {@code i} holds text. */
    Table(boolean... left) {
        this.left = left;
    }

    Table row(Object... cells) {
        String[] r = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            r[i] = String.valueOf(cells[i]);
        }
        rows.add(r);
        return this;
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    /** The rows, each indented by {@code indent} and ended by a newline; trailing blanks trimmed. */
    void appendTo(StringBuilder sb, String indent) {
        int cols = 0;
        for (String[] r : rows) {
            cols = Math.max(cols, r.length);
        }
        int[] width = new int[cols];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder(indent);
            for (int i = 0; i < r.length; i++) {
                if (i > 0) {
                    line.append("  ");
                }
                String pad = " ".repeat(width[i] - r[i].length());
                line.append(i < left.length && left[i] ? r[i] + pad : pad + r[i]);
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
    }
}
