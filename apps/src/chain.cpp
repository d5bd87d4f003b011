#include "chain.hpp"

#include <cmath>

#include "si/core/error.hpp"

namespace sisim {

si::arch::ChainSpec chain_of(const si::sim::LinkSpec& s, const std::string& name) {
    using si::arch::ElementUse;
    const double bits = std::log2(static_cast<double>(si::sim::levels_of(s.signal.modulation)));
    si::arch::ChainSpec c;
    c.name = name;
    c.lane_rate_bps = s.signal.symbol_rate_bd * bits;
    const std::string& a = s.optics.architecture;
    const double fibre_m = s.optics.fibre.length_m;
    si::arch::HopSpec h{.name = a};
    auto add = [&](const char* e, const char* label, double len = 0.0, int count = 1) {
        h.elements.push_back(ElementUse{e, label, len, count});
    };
    if (a == "electrical") {
        add("host_serdes_lr_tx", "host SerDes TX");
        add("fec_rs544_encode", "RS(544,514) encode");
        add("pcb_trace", "host channel", 0.2);
        add("host_serdes_lr_rx", "host SerDes RX");
        add("fec_rs544_decode", "RS(544,514) decode");
    } else if (a == "lpo") {
        add("host_serdes_lr_tx", "host SerDes TX");
        add("fec_rs544_encode", "RS(544,514) encode");
        add("pcb_trace", "host trace, TX side", 0.2);
        add("linear_driver", "module linear driver");
        if (s.optics.modulator == "eml") {
            add("laser_eml", "EML laser");
            add("eml_modulator", "EML modulator");
        } else {
            add("laser_cw_external", "CW laser");
            add("sip_mzm_tx", "MZM transmitter");
        }
        add("smf_fibre", "SMF", fibre_m);
        add("photodiode", "photodiode");
        add("tia_cmos_112g", "linear TIA");
        add("module_overhead", "module overhead (both modules)", 0.0, 2);
        add("pcb_trace", "host trace, RX side", 0.2);
        add("host_serdes_lr_rx", "host SerDes RX");
        add("fec_rs544_decode", "RS(544,514) decode");
    } else if (a == "cpo") {
        add("xsr_serdes_tx", "switch XSR TX");
        add("fec_rs544_encode", "RS(544,514) encode");
        add("package_trace", "XSR trace, TX side", 0.02);
        if (s.optics.modulator == "eml") {
            add("linear_driver", "engine driver");
            add("laser_eml", "EML laser");
            add("eml_modulator", "EML modulator");
        } else {
            add("sip_mzm_tx", "engine MZM transmitter (driver included)");
            add("laser_cw_external", "external laser source");
        }
        add("smf_fibre", "SMF", fibre_m);
        add("photodiode", "photodiode");
        add("tia_cmos_112g", "engine TIA");
        add("package_trace", "XSR trace, RX side", 0.02);
        add("xsr_serdes_rx", "switch XSR RX");
        add("fec_rs544_decode", "RS(544,514) decode");
    } else {
        throw si::ConfigError("link.architecture", "no power/latency chain for \"" + a + "\"");
    }
    c.hops.push_back(h);
    return c;
}

si::arch::ChainSpec chain_of(const si::sim::MultiHopSpec& m, const std::string& name) {
    using si::arch::ElementUse;
    const auto& s0 = m.hops.front();
    const double bits = std::log2(static_cast<double>(si::sim::levels_of(s0.signal.modulation)));
    si::arch::ChainSpec c;
    c.name = name;
    c.lane_rate_bps = s0.signal.symbol_rate_bd * bits;
    const std::string& a = m.architecture;
    const bool cpo = a == "cpo";
    const std::size_t H = m.hops.size();
    for (std::size_t h = 0; h < H; ++h) {
        const auto& s = m.hops[h];
        si::arch::HopSpec hop{.name = m.names.size() > h ? m.names[h] : "hop " + std::to_string(h)};
        hop.line_rate_bps = s.signal.symbol_rate_bd * bits;
        auto add = [&](const char* e, const char* label, double len = 0.0, int count = 1) {
            hop.elements.push_back(ElementUse{e, label, len, count});
        };
        const bool optical = s.optics.enabled();
        // transmitter: the host/switch SerDes (hop 0) or the retimer's DSP (later hops)
        if (h == 0) {
            add(cpo ? "xsr_serdes_tx" : (H > 1 && !optical ? "host_serdes_vsr_tx" : "host_serdes_lr_tx"),
                cpo ? "switch XSR TX" : "host SerDes TX");
            add("fec_rs544_encode", "RS(544,514) encode");
        }
        if (!optical) {
            add(cpo ? "package_trace" : "pcb_trace", cpo ? "XSR trace" : "host channel", cpo ? 0.02 : 0.2);
        } else {
            if (h == 0) add("pcb_trace", "host trace, TX side", 0.2);
            if (s.optics.modulator == "eml") {
                add("linear_driver", cpo ? "engine driver" : "module driver");
                add("laser_eml", "EML laser");
                add("eml_modulator", "EML modulator");
            } else {
                add("laser_cw_external", "CW laser");
                add("sip_mzm_tx", "MZM transmitter");
            }
            add("smf_fibre", "SMF", s.optics.fibre.length_m);
            add("photodiode", "photodiode");
            add("tia_cmos_112g", cpo ? "engine TIA" : "TIA");
            if (h + 1 == H) add(cpo ? "package_trace" : "pcb_trace", cpo ? "XSR trace, RX side" : "host trace, RX side",
                                cpo ? 0.02 : 0.2);
        }
        // receiver: a retimer (module or engine DSP, RX and TX of one lane) or the host/switch RX
        if (h + 1 < H) {
            // one direction of one lane: its RX (CDR, ADC, FFE) and TX (FFE, DAC)
            add("module_dsp_retimer", cpo ? "engine DSP (retimer)" : (a == "electrical" ? "retimer" : "module DSP (retimer)"));
        } else {
            add(cpo ? "xsr_serdes_rx" : (H > 1 && !optical ? "host_serdes_vsr_rx" : "host_serdes_lr_rx"),
                cpo ? "switch XSR RX" : "host SerDes RX");
            add("fec_rs544_decode", "RS(544,514) decode");
        }
        c.hops.push_back(hop);
    }
    if (a == "retimed" || a == "lro" || a == "lpo") {  // the pluggable modules' own overhead (both ends)
        si::arch::HopSpec ov{.name = "modules"};
        ov.elements.push_back(ElementUse{"module_overhead", "module overhead (both modules)", 0.0, 2});
        c.hops.push_back(ov);
    }
    return c;
}

}  // namespace sisim
