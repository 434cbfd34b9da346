/* What the dac step tells the other steps of its section (dac.c owns it). */
#ifndef DMJAIL_DAC_H
#define DMJAIL_DAC_H
#include "launcher.h"

/* The uid and gid the dac section plans for the device model; false, with nothing filled, when the
 * spec has no dac section. */
bool dac_planned_identity(unsigned *uid, unsigned *gid);
#endif
