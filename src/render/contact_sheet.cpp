// Placeholder until implemented.
#include "render/contact_sheet.h"

namespace atlas {

namespace render {
Image contact_sheet(const std::vector<Image>&, int, int, Vec3) { return {}; }
}

}  // namespace atlas
