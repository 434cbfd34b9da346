package dev.dmjail.toolstack.layer;

import java.util.List;

/**
 * What the audit observed for one layer.
 *
 * @param layer    layer name
 * @param result   PASS (planned and observed), FAIL (planned, not observed), WEAKENED (planned off and
 *                 observed off), UNAVAILABLE (host lacks it; nothing claimed)
 * @param checks   individual observations: what was planned, what /proc showed
 */
public record LayerVerdict(String layer, Result result, List<Check> checks) {

    public enum Result { PASS, FAIL, WEAKENED, UNAVAILABLE }

    /** One observation. {@code ok} is whether observed matches planned. */
    public record Check(String what, String planned, String observed, boolean ok) {}

    /** PASS when every check holds, FAIL otherwise; WEAKENED/UNAVAILABLE plans keep their status. */
    public static LayerVerdict of(LayerPlan plan, List<Check> checks) {
        Result r;
        boolean allOk = checks.stream().allMatch(Check::ok);
        switch (plan.status()) {
            case UNAVAILABLE -> r = Result.UNAVAILABLE;
            case WEAKENED -> r = allOk ? Result.WEAKENED : Result.FAIL;
            default -> r = allOk && !checks.isEmpty() ? Result.PASS : Result.FAIL;
        }
        return new LayerVerdict(plan.layer(), r, List.copyOf(checks));
    }
}
