package dev.dmjail.config;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One field of libxl's domain config JSON that xl fills in from a key dmjail reads only to print it
 * ({@link RecordedKeys}). {@code path} is slash-separated from the root ("b_info/type.hvm/pae");
 * a null {@code value} removes the field (on_soft_reset = "destroy" is libxl's default, so not printed).
 */
public record LibxlField(String path, JsonNode value) { }
