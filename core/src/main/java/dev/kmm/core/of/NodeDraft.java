package dev.kmm.core.of;

import java.util.ArrayList;
import java.util.List;

/** A node under construction (by the parser or the writer) before it is frozen into an {@link FdtNode}. */
final class NodeDraft {
    final String name;
    final String path;
    final long offset;
    final List<FdtProperty> properties = new ArrayList<>();
    final List<NodeDraft> children = new ArrayList<>();

    NodeDraft(String name, String path, long offset) {
        this.name = name;
        this.path = path;
        this.offset = offset;
    }

    static String childPath(String parentPath, String name) {
        return parentPath.equals("/") ? "/" + name : parentPath + "/" + name;
    }

    boolean hasProperty(String propertyName) {
        for (FdtProperty p : properties) {
            if (p.name().equals(propertyName)) {
                return true;
            }
        }
        return false;
    }

    boolean hasChild(String childName) {
        for (NodeDraft c : children) {
            if (c.name.equals(childName)) {
                return true;
            }
        }
        return false;
    }
}
