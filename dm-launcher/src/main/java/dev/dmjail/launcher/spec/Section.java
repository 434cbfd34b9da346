package dev.dmjail.launcher.spec;

/**
 * One section of the {@link LaunchSpec}: what one confinement layer asks the launcher to apply to
 * itself (or, for {@link ExecSection}, what it spawns). A section is keyed in the spec, in its JSON
 * and in the launcher's step by the layer's name ({@link #sectionName()}); an absent section means the
 * layer is switched off for this domain.
 *
 * <p>Every section is a record of plain data that the native reader (dm-launcher/src/main/c/spec.c; its Java model for the tests: test SpecReader) and {@link SpecWriter} map
 * generically (component name = JSON field). Its own rules are in {@link #validate}: pure checks,
 * no host access, the same for the toolstack (which may call it when it plans) and the launcher
 * (which calls it before any step prepares).
 */
public interface Section {

    /** The layer's name: the section's key in the spec, its launcher step's name, its error prefix. */
    String sectionName();

    /** Checks this section, and its needs of the others in {@code spec}; throws on the first rule broken. */
    void validate(LaunchSpec spec) throws SpecException;
}
