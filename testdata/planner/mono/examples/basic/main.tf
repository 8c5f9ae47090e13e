provider "null" {}
module "app" {
  source = "../../modules/app"
}
