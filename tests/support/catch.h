// The one place that names the Catch2 header (Debian 12 ships 2.13), so a move to v3
// touches this file only.
#pragma once
#include <catch2/catch.hpp>
