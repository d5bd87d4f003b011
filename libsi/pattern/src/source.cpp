#include "si/pattern/source.hpp"

#include <array>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <si/core/error.hpp>
#include <si/core/rng.hpp>
#include <string_view>

namespace si::pattern {

namespace {

constexpr std::array<std::string_view, 13> kNames = {
    "prbs7",  "prbs9",   "prbs11",  "prbs13", "prbs15", "prbs20", "prbs23",
    "prbs31", "prbs13q", "prbs31q", "ssprq",  "random", "file"};

// PRBS order for "prbsN" / "prbsNq", 0 otherwise.
int prbs_order_of(const std::string& name) {
    if (name == "prbs13q") return 13;
    if (name == "prbs31q") return 31;
    if (name.rfind("prbs", 0) != 0) return 0;
    const std::string digits = name.substr(4);
    if (digits.empty() || digits.size() > 2) return 0;
    for (char c : digits)
        if (!std::isdigit(static_cast<unsigned char>(c))) return 0;
    const int n = std::stoi(digits);
    return is_prbs_order(n) ? n : 0;
}

bool is_pam4_only(const std::string& name) {
    return name == "prbs13q" || name == "prbs31q" || name == "ssprq";
}

const char* pam4_clause(const std::string& name) {
    if (name == "prbs13q") return "IEEE 802.3 120.5.11.2.1";
    if (name == "prbs31q") return "IEEE 802.3 120.5.11.2.2";
    return "IEEE 802.3 120.5.11.2.3";
}

// Provisional SSPRQ table (see kSsprqDefinitionVerified): four PRBS31 segments, 131070 bits.
constexpr std::array<SsprqSegment, 4> kSsprq = {{
    {0x00000002u, 32768u, false},
    {0x34013FF7u, 32768u, false},
    {0x0CCCCCCCu, 32768u, false},
    {0x7FFFFFFFu, 32766u, false},
}};

}  // namespace

void validate(const PatternConfig& cfg) {
    bool known = false;
    for (auto n : kNames) known = known || cfg.name == n;
    if (!known) {
        std::string list;
        for (auto n : kNames) list += (list.empty() ? "" : ", ") + std::string(n);
        throw ConfigError("signal.pattern",
                          str("must be one of ", list, " (got '", cfg.name, "')"));
    }
    require(cfg.levels == 2 || cfg.levels == 4 || cfg.levels == 8, "signal.modulation",
            "must be 2, 4 or 8", cfg.levels);
    if (is_pam4_only(cfg.name)) {
        require(cfg.levels == 4, "signal.modulation",
                str("must be 4 for ", cfg.name, " (a PAM4 pattern, ", pam4_clause(cfg.name), ")"),
                cfg.levels);
        if (!cfg.gray)
            throw ConfigError("signal.gray",
                              str("must be true for ", cfg.name, " (defined Gray-coded, ",
                                  pam4_clause(cfg.name), ") (got false)"));
    }
    if (cfg.prbs_start != "seed" && cfg.prbs_start != "ones")
        throw ConfigError("signal.prbs_start",
                          str("must be \"seed\" or \"ones\" (got '", cfg.prbs_start, "')"));
    if (cfg.name == "file" && cfg.file.empty())
        throw ConfigError("signal.pattern",
                          "must name a pattern file when signal.pattern = file (got '')");
}

std::vector<std::uint8_t> read_pattern_file(const std::string& path, int levels) {
    // Only regular files: /dev/zero or a FIFO would be read without bound.
    std::error_code ec;
    const auto st = std::filesystem::status(path, ec);
    if (ec) throw IoError(path, 0, "cannot open pattern file: " + ec.message());
    if (!std::filesystem::is_regular_file(st))
        throw IoError(path, 0, "pattern file is not a regular file (directory, device or FIFO)");
    const auto bytes = std::filesystem::file_size(path, ec);
    if (ec) throw IoError(path, 0, "cannot open pattern file: " + ec.message());
    if (bytes > kMaxPatternFileBytes)
        throw IoError(path, 0, str("pattern file is ", bytes, " bytes; at most ",
                                   kMaxPatternFileBytes, " are read"));
    std::ifstream in(path);
    if (!in) throw IoError(path, 0, "cannot open pattern file");
    std::vector<std::uint8_t> out;
    std::string line;
    long line_no = 0;
    while (std::getline(in, line)) {
        ++line_no;
        if (const auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
        std::size_t i = 0;
        while (i < line.size()) {
            const char c = line[i];
            if (std::isspace(static_cast<unsigned char>(c)) || c == ',') {
                ++i;
                continue;
            }
            std::size_t j = i;
            while (j < line.size() && !std::isspace(static_cast<unsigned char>(line[j])) &&
                   line[j] != ',')
                ++j;
            const std::string tok = line.substr(i, j - i);
            i = j;
            bool digits = tok.size() <= 9;
            for (char d : tok) digits = digits && std::isdigit(static_cast<unsigned char>(d));
            if (!digits)
                throw IoError(path, line_no,
                              str("'", tok, "' is not a symbol value (expected an integer 0..",
                                  levels - 1, ")"));
            const long v = std::stol(tok);
            if (v >= levels)
                throw IoError(path, line_no,
                              str("symbol value ", v, " out of range 0..", levels - 1,
                                  " for levels = ", levels));
            out.push_back(static_cast<std::uint8_t>(v));
        }
    }
    if (in.bad()) throw IoError(path, line_no, "read error");
    if (out.empty()) throw IoError(path, 0, "pattern file holds no symbols");
    return out;
}

std::uint32_t prbs_start_state(int order, std::uint64_t seed) noexcept {
    const std::uint64_t mask = (std::uint64_t{1} << order) - 1;
    const auto s = static_cast<std::uint32_t>(random_bits(seed, Stream::prbs_start, 0) & mask);
    return s != 0 ? s : static_cast<std::uint32_t>(mask);
}

std::span<const SsprqSegment> ssprq_segments() noexcept { return kSsprq; }

std::vector<std::uint8_t> ssprq_data() {
    std::vector<std::uint8_t> bits;
    bits.reserve(131070);
    for (const auto& s : kSsprq) {
        Prbs p(31, s.seed);
        const std::size_t at = bits.size();
        bits.resize(at + s.bits);
        p.fill_bits(std::span(bits).subspan(at));
        if (s.invert)
            for (std::size_t i = at; i < bits.size(); ++i) bits[i] ^= 1u;
    }
    std::vector<std::uint8_t> data(bits.size() / 2);
    for (std::size_t k = 0; k < data.size(); ++k)
        data[k] = static_cast<std::uint8_t>((bits[2 * k] << 1) | bits[2 * k + 1]);  // first = MSB
    return data;
}

SymbolSource::SymbolSource(const PatternConfig& cfg)
    : cfg_(cfg), mapper_((validate(cfg), cfg.levels), cfg.gray, cfg.precode) {
    if (const int n = prbs_order_of(cfg.name); n != 0) {
        kind_ = Kind::prbs;
        prbs_.emplace(n, cfg.prbs_start == "ones" ? Prbs::kAllOnes : prbs_start_state(n, cfg.seed));
    } else if (cfg.name == "ssprq") {
        kind_ = Kind::table;
        table_ = ssprq_data();
    } else if (cfg.name == "file") {
        kind_ = Kind::table;
        table_ = read_pattern_file(cfg.file, cfg.levels);
    } else {
        kind_ = Kind::random;
    }
}

void SymbolSource::generate_data(std::span<std::uint8_t> out) {
    const int bps = mapper_.bits_per_symbol();
    switch (kind_) {
        case Kind::prbs: {
            // 64 bits at a time when symbols tile a word (NRZ, PAM4): the same bits in the same
            // order as take(bps) per symbol, earliest bit the MSB of its symbol
            std::size_t i = 0;
            if (64 % bps == 0) {
                const int per = 64 / bps;
                const std::uint64_t mask = (std::uint64_t{1} << bps) - 1;
                for (; out.size() - i >= static_cast<std::size_t>(per); i += static_cast<std::size_t>(per)) {
                    const std::uint64_t w = prbs_->next_word();
                    for (int j = 0; j < per; ++j)
                        out[i + static_cast<std::size_t>(j)] = static_cast<std::uint8_t>((w >> (64 - bps * (j + 1))) & mask);
                }
            }
            for (; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(prbs_->take(bps));
            break;
        }
        case Kind::table:
            for (auto& o : out) {
                o = table_[table_pos_];
                if (++table_pos_ == table_.size()) table_pos_ = 0;
            }
            break;
        case Kind::random: {
            const std::uint64_t mask = (std::uint64_t{1} << bps) - 1;
            std::uint64_t idx = position_;
            for (auto& o : out)
                o = static_cast<std::uint8_t>(random_bits(cfg_.seed, Stream::pattern, idx++) &
                                              mask);
            break;
        }
    }
}

void SymbolSource::generate(std::span<std::uint8_t> out) {
    generate_data(out);
    for (auto& o : out) o = mapper_.map(o);
    position_ += out.size();
}

void SymbolSource::reset() {
    if (prbs_) prbs_->reset();
    table_pos_ = 0;
    mapper_.reset();
    position_ = 0;
}

std::optional<std::uint64_t> SymbolSource::data_period() const {
    switch (kind_) {
        case Kind::prbs: {
            // Symbols take bps bits from a bit stream of period 2^n - 1.
            const std::uint64_t lb = prbs_->period();
            const auto bps = static_cast<std::uint64_t>(mapper_.bits_per_symbol());
            return lb / std::gcd(lb, bps);
        }
        case Kind::table:
            return table_.size();
        case Kind::random:
            return std::nullopt;
    }
    return std::nullopt;
}

std::optional<std::uint64_t> SymbolSource::period() const {
    const auto l = data_period();
    if (!l || !cfg_.precode) return l;
    if (period_cache_) return period_cache_;
    // Precoding: state (data position, P(n-1)). After one data period, P maps affinely,
    // P -> S + (-1)^L P (mod N), so the output period is L times the order of that map (<= N).
    const auto n = static_cast<std::uint64_t>(mapper_.levels());
    if (*l > (std::uint64_t{1} << 24)) {
        period_cache_ = (*l % 2 == 1) ? 2 * *l : n * *l;
        return period_cache_;
    }
    PatternConfig plain = cfg_;
    plain.precode = false;
    SymbolSource src(plain);
    PamMapper pre(cfg_.levels, false, true);  // precoding only: input is already a level index
    std::vector<std::uint8_t> buf(std::min<std::uint64_t>(*l, 1u << 16));
    std::uint64_t periods = 0;
    do {
        std::uint64_t left = *l;
        std::uint8_t last = 0;
        while (left > 0) {
            const auto k = static_cast<std::size_t>(std::min<std::uint64_t>(left, buf.size()));
            src.generate(std::span(buf).first(k));
            for (std::size_t i = 0; i < k; ++i) last = pre.map(buf[i]);
            left -= k;
        }
        ++periods;
        if (last == 0 && periods <= n) {
            // P(-1) = 0 is reached again at a period boundary of the data: the output repeats.
            break;
        }
    } while (periods < n);
    period_cache_ = periods * *l;
    return period_cache_;
}

SymbolDecoder::SymbolDecoder(const PatternConfig& cfg)
    : demapper_((validate(cfg), cfg.levels), cfg.gray, cfg.precode) {}

}  // namespace si::pattern
