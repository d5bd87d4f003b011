#pragma once
// One parser for every sisim command: its options plus positional arguments (one, or all).
#include <boost/program_options.hpp>

#include <string>
#include <vector>

namespace sisim {

/// Parses args with `opts` plus positional arguments stored in `target` under the option name
/// `name`: a std::string takes one, a std::vector<std::string> takes all of them.
template <class T>
boost::program_options::variables_map parse_command(const std::vector<std::string>& args,
                                                    const boost::program_options::options_description& opts,
                                                    const char* name, T& target) {
    namespace po = boost::program_options;
    po::options_description hidden;
    hidden.add_options()(name, po::value<T>(&target));
    po::options_description all;
    all.add(opts).add(hidden);
    po::positional_options_description pos;
    pos.add(name, std::is_same_v<T, std::string> ? 1 : -1);
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
    po::notify(vm);
    return vm;
}

}  // namespace sisim
