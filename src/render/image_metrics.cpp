// Placeholder until implemented.
#include "render/image_metrics.h"

namespace atlas {

namespace render {
double silhouette_iou(const Image&, const Image&) { return 0; }
double masked_psnr(const Image&, const Image&) { return 0; }
double masked_ssim(const Image&, const Image&) { return 0; }
}

}  // namespace atlas
