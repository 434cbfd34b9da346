package dev.dmjail.toolstack.layer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmjail.toolstack.text.RecordTrees;

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


    public static LayerPlan enforced(String layer, Object settings) {
        return new LayerPlan(layer, LayerStatus.ENFORCED, null, RecordTrees.tree(settings));
    }

    public static LayerPlan weakened(String layer, String reason, Object settings) {
        return new LayerPlan(layer, LayerStatus.WEAKENED, reason, settings == null ? null : RecordTrees.tree(settings));
    }

    public static LayerPlan unavailable(String layer, String reason) {
        return new LayerPlan(layer, LayerStatus.UNAVAILABLE, reason, null);
    }

    /** True when the launcher/host must do something for this layer. */
    public boolean active() {
        return settings != null && !settings.isNull() && status != LayerStatus.UNAVAILABLE;
    }

    /**
     * The settings in the layer's own record type, read without databind ({@link RecordTrees}); a tree
     * that does not fit the type is an IllegalArgumentException, as {@code ObjectMapper.convertValue}'s.
     */
    public <T> T settingsAs(Class<T> type) {
        try {
            return RecordTrees.read(settings, type);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(layer + " settings: " + e.getMessage(), e);
        }
    }
}
