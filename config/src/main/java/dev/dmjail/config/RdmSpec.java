package dev.dmjail.config;

import java.util.ArrayList;
import java.util.List;

/**
 * rdm = "strategy=host,policy=strict|relaxed" as Xen 4.17's libxlu_pci.c xlu_rdm_parse reads it, with its two
 * bugs, both kept because the JSON of {@code xl -N create} shows them:
 * <ul>
 *   <li>{@code if (!parse_rdm_policy(…)) goto parse_error}: parse_rdm_policy returns 0 on success, so every
 *   policy libxl knows makes the whole value a parse error, which xl drops without a word; an unknown policy is
 *   only a message ("Unknown RDM policy: X", no newline) and the parse goes on.</li>
 *   <li>xl parses into {@code libxl_rdm_reserve rdm;} on its stack, never initialised, and copies strategy and
 *   policy into b_info->u.hvm.rdm: the policy is never written by a successful parse (see above), nor the
 *   strategy when no strategy= is given, so those fields are whatever the stack held. On Debian's xl 4.17.7 that
 *   is no valid enum value, printed as null; dmjail prints null there (the value is undefined), and the parity
 *   test takes xl's value at exactly those fields. Each PCI device without its own rdm_policy= copies that policy
 *   (for PV and PVH guests too: xl writes u.hvm whatever the type).</li>
 * </ul>
 *
 * @param parsed     xlu_rdm_parse returned 0, and xl copies the result
 * @param host       strategy=host was given (else, when parsed, the strategy is uninitialised)
 * @param complaints xl's messages, in order
 * @param dropped    why xl drops the value, when it does (null when parsed)
 */
record RdmSpec(boolean parsed, boolean host, List<String> complaints, String dropped) {

    static RdmSpec parse(String str) {
        final int type = 0, strategy = 1, policy = 2, terminal = 3;
        List<String> complaints = new ArrayList<>();
        int state = type;
        int tok = 0;
        boolean host = false;
        // the loop runs over the string and its terminating NUL, as xl's does
        for (int p = 0; p <= str.length(); p++) {
            char c = p < str.length() ? str.charAt(p) : '\0';
            switch (state) {
                case type -> {
                    if (c == '=') {
                        String t = str.substring(tok, p);
                        if (t.equals("strategy")) {
                            state = strategy;
                        } else if (t.equals("policy")) {
                            state = policy;
                        } else {
                            complaints.add("Unknown RDM state option: " + t);
                            return new RdmSpec(false, false, complaints, "xl drops it: " + complaints.get(complaints.size() - 1));
                        }
                        tok = p + 1;
                    }
                }
                case strategy -> {
                    if (c == '\0' || c == ',') {
                        state = c == ',' ? type : terminal;
                        String t = str.substring(tok, p);
                        if (!t.equals("host")) {
                            complaints.add("Unknown RDM strategy option: " + t);
                            return new RdmSpec(false, false, complaints, "xl drops it: " + complaints.get(complaints.size() - 1));
                        }
                        host = true;
                        tok = p + 1;
                    }
                }
                case policy -> {
                    if (c == '\0' || c == ',') {
                        state = c == ',' ? type : terminal;
                        String t = str.substring(tok, p);
                        if (RecordedKeys.enumValue(List.of("invalid", "strict", "relaxed"), t).isPresent()) {
                            return new RdmSpec(false, false, complaints, "xl 4.17 drops it without a word: its xlu_rdm_parse"
                                    + " takes a valid policy= (`" + t + "') for a parse error");
                        }
                        complaints.add("Unknown RDM policy: " + t);
                        tok = p + 1;
                    }
                }
                default -> { }
            }
        }
        if (state != terminal) {
            return new RdmSpec(false, false, complaints, "xl drops it without a word: not KEY=VALUE pairs ending in a value");
        }
        return new RdmSpec(true, host, complaints, null);
    }
}
