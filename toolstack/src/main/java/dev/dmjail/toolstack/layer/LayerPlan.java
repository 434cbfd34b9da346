package dev.dmjail.toolstack.layer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.DeserializationFeature;

/**
 * The plan of one layer as pure data: printed by {@code create -n}, stored in the domain state so
 * that release works after a crash, and compared with what /proc shows by the audit.
 *
 * @param layer    layer name
 * @param status   ENFORCED, WEAKENED (switched off or reduced by policy/config) or UNAVAILABLE (host lacks it)
 * @param reason   why it is not ENFORCED (null when it is)
 * @param settings the concrete settings for this domain (layer-specific shape)
 */
public record LayerPlan(String layer, LayerStatus status, String reason, JsonNode settings) {

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    public static LayerPlan enforced(String layer, Object settings) {
        return new LayerPlan(layer, LayerStatus.ENFORCED, null, MAPPER.valueToTree(settings));
    }

    public static LayerPlan weakened(String layer, String reason, Object settings) {
        return new LayerPlan(layer, LayerStatus.WEAKENED, reason, settings == null ? null : MAPPER.valueToTree(settings));
    }

    public static LayerPlan unavailable(String layer, String reason) {
        return new LayerPlan(layer, LayerStatus.UNAVAILABLE, reason, null);
    }

    /** True when the launcher/host must do something for this layer. */
    public boolean active() {
        return settings != null && !settings.isNull() && status != LayerStatus.UNAVAILABLE;
    }

    /** The settings in the layer's own record type. */
    public <T> T settingsAs(Class<T> type) {
        return MAPPER.convertValue(settings, type);
    }
}
