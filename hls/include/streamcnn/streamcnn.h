// The streamcnn HLS layer library (header only).
#ifndef STREAMCNN_H
#define STREAMCNN_H

#include "conv2d.h"
#include "dense.h"
#include "flatten.h"
#include "output.h"
#include "pad2d.h"
#include "pool2d.h"
#include "requant.h"
#include "resource.h"
#include "softmax.h"
#include "tap.h"
#include "types.h"

#endif
