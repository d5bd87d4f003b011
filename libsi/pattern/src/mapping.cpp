#include "si/pattern/mapping.hpp"

#include <si/core/error.hpp>

namespace si::pattern {

int bits_per_symbol(int levels) {
    switch (levels) {
        case 2:
            return 1;
        case 4:
            return 2;
        case 8:
            return 3;
        default:
            throw ConfigError("signal.modulation", str("must be 2, 4 or 8 (got ", levels, ")"));
    }
}

PamMapper::PamMapper(int levels, bool gray, bool precode)
    : levels_(levels),
      bps_(si::pattern::bits_per_symbol(levels)),
      mask_(static_cast<std::uint32_t>(levels - 1)),
      gray_(gray),
      precode_(precode) {
    // Gray on: data value d goes on the level whose Gray label is d.
    for (std::uint32_t d = 0; d < static_cast<std::uint32_t>(levels); ++d)
        table_[d] = static_cast<std::uint8_t>(gray ? gray_decode(d) : d);
}

PamDemapper::PamDemapper(int levels, bool gray, bool precode)
    : levels_(levels),
      bps_(si::pattern::bits_per_symbol(levels)),
      mask_(static_cast<std::uint32_t>(levels - 1)),
      gray_(gray),
      precode_(precode) {}

}  // namespace si::pattern
