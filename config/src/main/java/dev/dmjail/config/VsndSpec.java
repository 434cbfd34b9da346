package dev.dmjail.config;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;

/**
 * One vsnd card as Xen 4.17's xl reads it (xl_parse.c parse_vsnd_item and its helpers): a list of items, each
 * "KIND, KEY=VALUE, …" where KIND is card, pcm (a new pcm) or stream (a new stream of the last pcm, which is
 * made when there is none); the parameters common to the three are sample-rates and sample-formats
 * (";"-separated), channels-min, channels-max, buffer-size (strtoul base 0). Printed as libxl_device_vsnd.
 */
final class VsndSpec {
    /** libxl_vsnd_pcm_format, in value order from 1. */
    static final List<String> FORMATS = List.of("s8", "u8", "s16_le", "s16_be", "u16_le", "u16_be", "s24_le", "s24_be",
            "u24_le", "u24_be", "s32_le", "s32_be", "u32_le", "u32_be", "f32_le", "f32_be", "f64_le", "f64_be",
            "iec958_subframe_le", "iec958_subframe_be", "mu_law", "a_law", "ima_adpcm", "mpeg", "gsm");

    /** Thrown with xl's message. */
    static final class VsndError extends Exception {
        VsndError(String m) { super(m); }
    }

    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private final ObjectNode card = F.objectNode();
    private final ObjectNode cardParams = F.objectNode();
    private final ArrayNode pcms = F.arrayNode();
    private String backend, shortName, longName;

    private VsndSpec() { }

    static ObjectNode parse(List<String> items, int devid) throws VsndError {
        VsndSpec v = new VsndSpec();
        for (String item : items) v.item(item);
        ObjectNode o = v.card;
        if (v.backend != null) o.put("backend_domname", v.backend);
        o.put("devid", devid);
        if (v.shortName != null) o.put("short_name", v.shortName);
        if (v.longName != null) o.put("long_name", v.longName);
        o.set("params", ordered(v.cardParams));
        if (!v.pcms.isEmpty()) {
            for (var p : v.pcms) {
                ObjectNode pcm = (ObjectNode) p;
                pcm.set("params", ordered((ObjectNode) pcm.remove("params")));
                ArrayNode streams = (ArrayNode) pcm.remove("streams");
                if (streams != null) {
                    for (var s : streams) {
                        ObjectNode st = (ObjectNode) s;
                        st.set("params", ordered((ObjectNode) st.remove("params")));
                    }
                    if (!streams.isEmpty()) pcm.set("streams", streams);
                }
            }
            o.set("pcms", v.pcms);
        }
        return o;
    }

    private void item(String spec) throws VsndError {
        String kind = null;
        for (String token : RecordedKeys.strtok(spec, ",")) {
            token = token.replaceFirst("^ +", "");
            if (kind == null) {
                kind = token.toLowerCase(Locale.ROOT);
                switch (kind) {
                    case "card" -> { }
                    case "pcm" -> newPcm();
                    case "stream" -> {
                        if (pcms.isEmpty()) newPcm();
                        ObjectNode pcm = (ObjectNode) pcms.get(pcms.size() - 1);
                        ((ArrayNode) pcm.get("streams")).addObject().set("params", F.objectNode());
                    }
                    default -> throw new VsndError("Invalid key: " + token);
                }
                continue;
            }
            switch (kind) {
                case "card" -> {
                    if (!params(cardParams, token)) {
                        if (token.startsWith("backend=")) backend = token.substring(8);
                        else if (token.startsWith("short-name=")) shortName = token.substring(11);
                        else if (token.startsWith("long-name=")) longName = token.substring(10);
                        else throw new VsndError("Invalid parameter: " + token);
                    }
                }
                case "pcm" -> {
                    ObjectNode pcm = (ObjectNode) pcms.get(pcms.size() - 1);
                    if (!params((ObjectNode) pcm.get("params"), token)) {
                        if (token.startsWith("name=")) pcm.put("name", token.substring(5));
                        else throw new VsndError("Invalid parameter: " + token);
                    }
                }
                default -> { // stream
                    ObjectNode pcm = (ObjectNode) pcms.get(pcms.size() - 1);
                    ArrayNode streams = (ArrayNode) pcm.get("streams");
                    ObjectNode st = (ObjectNode) streams.get(streams.size() - 1);
                    if (!params((ObjectNode) st.get("params"), token)) {
                        if (token.startsWith("unique-id=")) {
                            st.put("unique_id", token.substring(10));
                        } else if (token.startsWith("type=")) {
                            String t = token.substring(5).toLowerCase(Locale.ROOT);
                            if (!t.equals("p") && !t.equals("c")) throw new VsndError("Invalid stream type: " + token.substring(5));
                            st.put("type", t);
                        } else {
                            throw new VsndError("Invalid parameter: " + token);
                        }
                    }
                }
            }
        }
    }

    private void newPcm() {
        ObjectNode pcm = pcms.addObject();
        pcm.set("params", F.objectNode());
        pcm.putArray("streams");
    }

    /** parse_vsnd_params: true when {@code token} was one of the common parameters. */
    private static boolean params(ObjectNode p, String token) throws VsndError {
        if (token.startsWith("sample-rates=")) {
            ArrayNode a = F.arrayNode();
            for (String r : splitList(token.substring(13))) {
                long v = CNumbers.strtoulPrefix(r) & 0xffffffffL;
                a.add(v == (int) v ? F.numberNode((int) v) : F.numberNode(v));
            }
            if (!a.isEmpty()) p.set("sample_rates", a); else p.remove("sample_rates");
        } else if (token.startsWith("sample-formats=")) {
            ArrayNode a = F.arrayNode();
            for (String f : splitList(token.substring(15))) {
                String name = f.toLowerCase(Locale.ROOT);
                if (!FORMATS.contains(name)) throw new VsndError("Invalid pcm format: " + f);
                a.add(name);
            }
            if (!a.isEmpty()) p.set("sample_formats", a); else p.remove("sample_formats");
        } else if (token.startsWith("channels-min=")) {
            put(p, "channels_min", CNumbers.strtoulPrefix(token.substring(13)));
        } else if (token.startsWith("channels-max=")) {
            put(p, "channels_max", CNumbers.strtoulPrefix(token.substring(13)));
        } else if (token.startsWith("buffer-size=")) {
            put(p, "buffer_size", CNumbers.strtoulPrefix(token.substring(12)));
        } else {
            return false;
        }
        return true;
    }

    /** split_string_into_string_list on ";": an empty value makes xl strdup(NULL) and crash; refused. */
    private static List<String> splitList(String s) throws VsndError {
        List<String> l = RecordedKeys.strtok(s, ";");
        if (l.isEmpty()) throw new VsndError("an empty list in a vsnd parameter (xl dereferences a NULL string here)");
        return l;
    }

    private static void put(ObjectNode p, String k, long v) {
        v &= 0xffffffffL;
        if (v == 0) p.remove(k);
        else if (v == (int) v) p.put(k, (int) v);
        else p.put(k, v);
    }

    private static ObjectNode ordered(ObjectNode p) {
        ObjectNode o = F.objectNode();
        for (String k : List.of("sample_rates", "sample_formats", "channels_min", "channels_max", "buffer_size")) {
            if (p.has(k)) o.set(k, p.get(k));
        }
        return o;
    }
}
