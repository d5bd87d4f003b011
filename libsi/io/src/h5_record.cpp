#include "h5_record.hpp"

#include <algorithm>

namespace si::io::detail {

H5Record::Path H5Record::split(const std::string& path) {
    Path p;
    std::size_t pos = 0;
    while (pos <= path.size()) {
        const std::size_t slash = path.find('/', pos);
        const std::size_t end = slash == std::string::npos ? path.size() : slash;
        if (end > pos) p.push_back(path.substr(pos, end - pos));
        pos = end + 1;
    }
    return p;
}

std::string H5Record::join(const Path& p) {
    if (p.empty()) return "/";
    std::string s;
    for (const auto& c : p) s += "/" + c;
    return s;
}

bool H5Record::add_group(const Path& p) {
    Path cur;
    for (const auto& c : p) {
        cur.push_back(c);
        if (datasets.count(cur) > 0) return false;
        groups.try_emplace(cur);
    }
    return true;
}

std::vector<H5NumericAttr> recorded_numeric_attrs(const H5Record& r, const std::vector<std::string>& first) {
    // groups: those of `first` that exist, in that order, then the others in visiting order
    // (as numeric_attrs_of in h5_read.cpp, by the same string comparisons)
    std::vector<std::pair<std::string, const H5Record::Path*>> all, order;
    for (const auto& [p, attrs] : r.groups) all.emplace_back(H5Record::join(p), &p);
    for (const auto& g : first)
        for (const auto& a : all)
            if (a.first == g) order.push_back(a);
    for (const auto& a : all)
        if (std::find_if(order.begin(), order.end(), [&](const auto& o) { return o.first == a.first; }) == order.end())
            order.push_back(a);
    std::vector<H5NumericAttr> out;
    for (const auto& [g, p] : order) {
        for (const auto& [name, a] : r.groups.find(*p)->second) {  // by name, as H5_INDEX_NAME
            if (!a.numeric) continue;
            H5NumericAttr x;
            x.group = g;
            x.name = name;
            x.values = a.values;
            x.scalar = a.scalar;
            out.push_back(std::move(x));
        }
    }
    return out;
}

}  // namespace si::io::detail
