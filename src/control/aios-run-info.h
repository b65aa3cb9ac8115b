/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* AiosRunInfo and the reads that list runs live with the owner of the runs
 * and steps tables now; this header stays for the callers that name it. */
#include "aios-runs.h"
