#include "engine/set_const.h"

#include <Eigen/Dense>

#include "engine/forward.h"

namespace lockstep {

void set_const(Model& model) {
  const Sizes& s = model.size;
  const int nv = s.nv;
  const ModelView m = model.view();
  const StateLayout layout = StateLayout::make(s);
  std::vector<float> buffer(layout.per_world, 0.0f);
  const StateView view{buffer.data(), layout, 1, false, nullptr};
  const Data d = view.world(0);
  default_params(m, d);
  reset_world(m, d);
  // Only the smooth quantities are needed (and the inverse weights that constraints use are
  // what is being computed here).
  kinematics(m, d);
  com_pos(m, d);
  make_m(m, d);

  double trace = 0;
  for (int i = 0; i < nv; ++i) trace += d.qM()[i * nv + i];
  model.stat_meaninertia.assign(1, nv ? static_cast<float>(trace / nv) : 1.0f);

  // Dense M⁻¹ in double: these are constants, computed once.
  Eigen::MatrixXd M(nv, nv);
  for (int i = 0; i < nv; ++i)
    for (int j = 0; j < nv; ++j) M(i, j) = d.qM()[i * nv + j];
  const Eigen::MatrixXd Minv = nv ? Eigen::MatrixXd(M.inverse()) : Eigen::MatrixXd();

  // dof: diagonal of M⁻¹, averaged over the 3 dofs of each ball / free-rotation / free-translation.
  for (int i = 0; i < nv; ++i) model.dof_invweight0[i] = static_cast<float>(Minv(i, i));
  for (int j = 0; j < s.njnt; ++j) {
    const int da = model.jnt_dofadr[j], type = model.jnt_type[j];
    if (type == kJntHinge || type == kJntSlide) continue;
    for (int start = da; start < da + jnt_nv(type); start += 3) {
      const float mean = (model.dof_invweight0[start] + model.dof_invweight0[start + 1] +
                          model.dof_invweight0[start + 2]) / 3.0f;
      for (int k = 0; k < 3; ++k) model.dof_invweight0[start + k] = mean;
    }
  }

  // body: mean diagonal of J·M⁻¹·Jᵀ for the translational and rotational Jacobian at xipos.
  model.body_invweight0[0] = model.body_invweight0[1] = 0;
  for (int b = 1; b < s.nbody; ++b) {
    Eigen::MatrixXd jacp = Eigen::MatrixXd::Zero(3, nv), jacr = Eigen::MatrixXd::Zero(3, nv);
    const Vec3 p = load3(d.xipos(), 3 * b);
    const Vec3 c = load3(d.subtree_com(), 3 * model.body_rootid[b]);
    for_each_body_dof(m, b, [&](int i) {
      Vec3 jp, jr;
      jac_column(cdof_of(d, i), p, c, &jp, &jr);
      jacp.col(i) << jp.x, jp.y, jp.z;
      jacr.col(i) << jr.x, jr.y, jr.z;
    });
    const double tran = (jacp * Minv * jacp.transpose()).trace() / 3.0;
    const double rot = (jacr * Minv * jacr.transpose()).trace() / 3.0;
    model.body_invweight0[2 * b] = static_cast<float>(tran);
    model.body_invweight0[2 * b + 1] = static_cast<float>(rot);
  }

  // tendon: J·M⁻¹·Jᵀ with the fixed-tendon Jacobian.
  for (int t = 0; t < s.ntendon; ++t) {
    Eigen::VectorXd J = Eigen::VectorXd::Zero(nv);
    for (int w = model.tendon_adr[t]; w < model.tendon_adr[t] + model.tendon_num[t]; ++w)
      J(model.jnt_dofadr[model.wrap_objid[w]]) += model.wrap_prm[w];
    model.tendon_invweight0[t] = static_cast<float>(J.dot(Minv * J));
  }
}

}  // namespace lockstep
