provider "null" {}
module "root" {
  source = "../../"
  name   = "x"
}
