package dev.dmjail.toolstack.layer;

/** A host-side step of a layer failed; the message names the layer, the step and the cause. */
public class LayerException extends Exception {
    public LayerException(String layer, String step, String detail, Throwable cause) {
        super(layer + ": " + step + ": " + detail, cause);
    }

    public LayerException(String layer, String step, String detail) {
        this(layer, step, detail, null);
    }
}
