package dev.dmjail.launcher;

import dev.dmjail.launcher.spec.LaunchSpec;
import dev.dmjail.launcher.spec.Section;
import dev.dmjail.launcher.spec.SpecReader;
import dev.dmjail.launcher.spec.SpecWriter;
import dev.dmjail.launcher.step.Step;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code LauncherMain --cds-training}: what the build runs under
 * {@code -XX:ArchiveClassesAtExit=target/dm-launcher.jsa} so the archive holds every class of a
 * real start (streaming Jackson, jnr-ffi with its generated stubs' support classes, libseccomp
 * filter building, every step's prepare). The spec is built by the steps themselves, each giving
 * its {@link Step#trainingSection} over {@link Launcher#steps()}, so a step added there is trained
 * too. A dry run: nothing is changed on the host.
 */
final class CdsTraining {
    private CdsTraining() {}

    static LaunchSpec spec(String tmp) {
        List<Section> sections = new ArrayList<>();
        for (Step<?> s : Launcher.steps()) {
            Section t = s.trainingSection(tmp);
            if (t != null) {
                sections.add(t);
            }
        }
        return new LaunchSpec("cds-training", sections);
    }

    static void run() {
        try {
            byte[] json = SpecWriter.write(spec(System.getProperty("java.io.tmpdir")));
            LaunchSpec spec = SpecReader.read(json, Launcher.sectionTypes());
            Preload.run();
            Launcher.run(spec, true);
            Json.error(new LaunchException("x", 1, "y"));
            System.out.println(Json.dryRun());
        } catch (Exception | LinkageError e) {
            // the archive still holds what was loaded; the build must not fail for it
            System.err.println("dm-launcher: cds-training: " + e);
        }
        System.exit(0); // not halt(): the dynamic archive is written at a normal VM exit
    }
}
