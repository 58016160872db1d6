// Result<T>, Error, Errc, Status: defined in the public header (namespace offhook, unchanged).
#pragma once
#include "offhook/result.hpp"
