provider "null" {}
module "x" {
  source = "../comp-b/modules/x"
}
module "gone" {
  source = "./does-not-exist"
}
module "outside" {
  source = "../../escape"
}
module "remote" {
  source = "git::https://example.com/mod.git?ref=v1"
}
