package dev.kmm.stress.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The report as one JSON document: the fields of {@link Report}, host times only under {@code "timing"}. Absent
 * sections (the run's or the replay's, bulk and numa off their workloads) are left out.
 */
public final class ReportJson {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .defaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL,
                    JsonInclude.Include.NON_NULL))
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    private ReportJson() {
    }

    /** The document, ending with a newline; without {@code "timing"} when {@code timing} is false. */
    public static String render(Report r, boolean timing) {
        try {
            return MAPPER.writeValueAsString(timing ? r : r.withoutTiming()) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the report as JSON: " + e.getMessage(), e);
        }
    }
}
