module "m" {
  source = "../comp-b/modules/x"
}
module "interp" {
  source = "${path.module}/x"
}
