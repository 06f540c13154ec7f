package dev.kmm.stress.run;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The report as one JSON document: the fields of {@link RunReport}, host times only under {@code "timing"}.
 * Absent sections (bulk, numa off their workloads) are left out.
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
    public static String render(RunReport r, boolean timing) {
        RunReport doc = timing ? r : new RunReport(r.setup(), r.totals(), r.orders(), r.failures(), r.pcp(),
                r.fallbacks(), r.bulk(), r.numa(), r.watermarks(), r.workloadCounters(), r.warnAlloc(), r.views(), r.verify(),
                null);
        try {
            return MAPPER.writeValueAsString(doc) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the report as JSON: " + e.getMessage(), e);
        }
    }
}
