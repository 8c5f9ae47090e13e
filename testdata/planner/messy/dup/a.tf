provider "null" {}
module "m" {
  source = "../comp-b/modules/x"
}
