provider "null" {}
module "old" {
  source = "../modules/old"
}
