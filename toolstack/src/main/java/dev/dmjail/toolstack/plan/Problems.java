package dev.dmjail.toolstack.plan;

import dev.dmjail.toolstack.layer.PlanException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * What would stop a real create on this host although the config is one xl accepts: a user, binary,
 * bridge, disk or file this host lacks, a backend it does not have, a key dmjail does not honour.
 * xl's dry run ({@code xl -N create}) parses and does not look at the host, so {@code create -n}
 * lists these in the plan ({@link ConfinementPlan#problems()}) and exits as xl does; {@code create}
 * refuses the first at its key's line; {@code create -n --check} answers "would create succeed here"
 * by its exit status.
 */
public final class Problems {

    /** One problem: the config key responsible, its line (0 when the key is not in the config), why. */
    public record Problem(String key, int line, String reason) {}

    private final boolean refuse;
    private final ToIntFunction<String> lineOf;
    private final List<Problem> found = new ArrayList<>();

    private Problems(boolean refuse, ToIntFunction<String> lineOf) {
        this.refuse = refuse;
        this.lineOf = lineOf;
    }

    /** For create (and the commands that change a running domain): the first problem is a refusal. */
    public static Problems refusing() {
        return new Problems(true, k -> 0);
    }

    /** For the dry run: every problem is recorded; {@code lineOf} gives a key's line in the config. */
    static Problems listing(ToIntFunction<String> lineOf) {
        return new Problems(false, lineOf);
    }

    /** Create: throws, naming {@code key}; dry run: records it at the key's line. */
    public void add(String key, String reason) throws PlanException {
        add(key, lineOf.applyAsInt(key), reason);
    }

    /** As {@link #add(String, String)}, at a line the caller knows. */
    public void add(String key, int line, String reason) throws PlanException {
        if (refuse) {
            throw new PlanException(key, reason);
        }
        found.add(new Problem(key, line, reason));
    }

    /** A real create refuses problems (and has none to list). */
    public boolean refuses() {
        return refuse;
    }

    public List<Problem> list() {
        return List.copyOf(found);
    }
}
