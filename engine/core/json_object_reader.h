// Reads a config's JSON objects key by key, for config_json.cpp: each read checks the value's
// type and range and names the key's full path in its error; finish() reports leftover keys as
// unknown together with those allowed there.
#pragma once

#include "errors.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace normlab {

// Reads the keys of one JSON object, remembering which were used so that leftovers can be
// reported as unknown together with the keys that are allowed there.
class ObjectReader
{
public:
    ObjectReader(const nlohmann::json &object, std::string path)
        : m_object(object), m_path(std::move(path))
    {
        if (!m_object.is_object())
            throw ConfigError("config: '" + displayPath() + "' must be an object");
    }

    template<typename T> void read(const std::string &key, T &out)
    {
        m_allowed.push_back(key);
        auto it = m_object.find(key);
        if (it == m_object.end())
            return;
        if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
            out = integerAt<T>(*it, keyPath(key));
            return;
        }
        if constexpr (std::is_same_v<T, std::vector<int>>) {
            if (!it->is_array())
                throw ConfigError("config: '" + keyPath(key) + "' has the wrong type (" +
                                  it->type_name() + "), expected a list of whole numbers");
            T values;
            for (std::size_t i = 0; i < it->size(); ++i)
                values.push_back(
                        integerAt<int>((*it)[i], keyPath(key) + "[" + std::to_string(i) + "]"));
            out = values;
            return;
        }
        try {
            out = it->template get<T>();
        } catch (const nlohmann::json::exception &) {
            throw ConfigError("config: '" + keyPath(key) + "' has the wrong type (" +
                              it->type_name() + "), expected " + typeName<T>());
        }
    }

    template<typename E>
    void readEnum(const std::string &key, E &out,
                  const std::vector<std::pair<std::string, E>> &names)
    {
        std::string text;
        read(key, text);
        if (!m_object.contains(key))
            return;
        std::string allowed;
        for (const auto &[name, value] : names) {
            if (name == text) {
                out = value;
                return;
            }
            allowed += (allowed.empty() ? "" : ", ") + name;
        }
        throw ConfigError("config: '" + keyPath(key) + "' is '" + text + "', allowed: " + allowed);
    }

    const nlohmann::json *child(const std::string &key)
    {
        m_allowed.push_back(key);
        auto it = m_object.find(key);
        return it == m_object.end() ? nullptr : &*it;
    }

    std::string keyPath(const std::string &key) const
    {
        return m_path.empty() ? key : m_path + "." + key;
    }

    void finish() const
    {
        for (auto it = m_object.begin(); it != m_object.end(); ++it) {
            if (std::find(m_allowed.begin(), m_allowed.end(), it.key()) != m_allowed.end())
                continue;
            std::string allowed;
            for (const std::string &k : m_allowed)
                allowed += (allowed.empty() ? "" : ", ") + k;
            throw ConfigError("config: unknown key '" + keyPath(it.key()) +
                              "'; allowed here: " + allowed);
        }
    }

private:
    std::string displayPath() const { return m_path.empty() ? "(top level)" : m_path; }

    // nlohmann's get<int>() wraps 4294967297 to 1, truncates 1.5 to 1 and turns -1 into 2^64 - 1
    // for an unsigned seed: a number is checked for type, wholeness and range before it is
    // converted. An integral float (20.0, as other tools write) is accepted.
    template<typename T> static T integerAt(const nlohmann::json &value, const std::string &path)
    {
        using Limits = std::numeric_limits<T>;
        const auto outside = [&](const std::string &shown) {
            return ConfigError("config: '" + path + "' is " + shown + ", outside " +
                               std::to_string(Limits::min()) + " to " +
                               std::to_string(Limits::max()));
        };
        if (value.is_number_unsigned()) {
            const auto v = value.get<std::uint64_t>();
            if (v > static_cast<std::uint64_t>(Limits::max()))
                throw outside(std::to_string(v));
            return static_cast<T>(v);
        }
        if (value.is_number_integer()) {
            const auto v = value.get<std::int64_t>();
            if (v < 0 && !Limits::is_signed)
                throw ConfigError("config: '" + path + "' is " + std::to_string(v) +
                                  "; it cannot be negative");
            if (Limits::is_signed && (v < static_cast<std::int64_t>(Limits::min()) ||
                                      v > static_cast<std::int64_t>(Limits::max())))
                throw outside(std::to_string(v));
            return static_cast<T>(v);
        }
        if (value.is_number_float()) {
            const double v = value.get<double>();
            if (!std::isfinite(v) || v != std::floor(v))
                throw ConfigError("config: '" + path + "' is " + value.dump() +
                                  "; it must be a whole number");
            // max() + 1 (2^31, 2^63, 2^64) is an exact double; max() itself may not be.
            const double high = std::ldexp(1.0, Limits::digits);
            if (v < static_cast<double>(Limits::min()) || v >= high)
                throw outside(value.dump());
            return static_cast<T>(v);
        }
        throw ConfigError("config: '" + path + "' has the wrong type (" +
                          std::string(value.type_name()) + "), expected an integer");
    }

    template<typename T> static std::string typeName()
    {
        if constexpr (std::is_same_v<T, bool>)
            return "true or false";
        else if constexpr (std::is_integral_v<T>)
            return "an integer";
        else if constexpr (std::is_floating_point_v<T>)
            return "a number";
        else if constexpr (std::is_same_v<T, std::string>)
            return "a string";
        else
            return "a list of numbers";
    }

    const nlohmann::json &m_object;
    std::string m_path;
    std::vector<std::string> m_allowed;
};

} // namespace normlab
