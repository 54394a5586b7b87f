import type { Migration } from 'kysely/migration';
import * as m_2026_11_27_init from './2026_11_27_init';
import * as m_2026_11_28_c_security from './2026_11_28_c_security';
import * as m_2026_11_28_d_pushin from './2026_11_28_d_pushin';
import * as m_2026_11_30_a_scale_indexes from './2026_11_30_a_scale_indexes';
import * as m_2026_11_30_b_caseload_paging from './2026_11_30_b_caseload_paging';
import * as m_2026_11_30_c_outcomes_version from './2026_11_30_c_outcomes_version';
import * as m_2026_11_30_f_goal_summaries from './2026_11_30_f_goal_summaries';
import * as m_2026_11_30_g_audit_students from './2026_11_30_g_audit_students';
import * as m_2026_11_30_h_accounts from './2026_11_30_h_accounts';
import * as m_2026_11_30_j_object_rules from './2026_11_30_j_object_rules';
import * as m_2026_11_30_k_row_versions from './2026_11_30_k_row_versions';
import * as m_2026_11_30_m_fidelity_summaries from './2026_11_30_m_fidelity_summaries';
import * as m_2026_11_30_o_progress_rules from './2026_11_30_o_progress_rules';
import * as m_2026_11_30_p_import from './2026_11_30_p_import';
import * as m_2026_11_30_q_people from './2026_11_30_q_people';
import * as m_2026_11_30_r_session_void from './2026_11_30_r_session_void';
import * as m_2026_11_30_s_billing from './2026_11_30_s_billing';
import * as m_2026_11_30_t_probe_keys from './2026_11_30_t_probe_keys';
import * as m_2026_11_30_w_single_sign_on from './2026_11_30_w_single_sign_on';
import * as m_2026_11_30_x_schedule from './2026_11_30_x_schedule';
import * as m_2026_11_30_y_void_observations from './2026_11_30_y_void_observations';
import * as m_2026_11_30_z_family_language from './2026_11_30_z_family_language';
import * as m_2026_11_30_za_mastery_routines from './2026_11_30_za_mastery_routines';
import * as m_2026_11_30_zb_goal_bank from './2026_11_30_zb_goal_bank';
import * as m_2026_11_30_zc_comparison_digests from './2026_11_30_zc_comparison_digests';
import * as m_2026_11_30_zd_service_indexes from './2026_11_30_zd_service_indexes';
import * as m_2026_11_30_ze_coordinator_page_indexes from './2026_11_30_ze_coordinator_page_indexes';
import * as m_2026_11_30_zf_stored_comparisons from './2026_11_30_zf_stored_comparisons';
import * as m_2026_12_01_zg_comparison_refresh_claims from './2026_12_01_zg_comparison_refresh_claims';
import * as m_2026_12_02_zh_routine_classroom_index from './2026_12_02_zh_routine_classroom_index';

/** Static list (not a folder read at run time) so bundlers and workers see every migration. */
export const migrations: Record<string, Migration> = {
  '2026_11_27_init': m_2026_11_27_init,
  '2026_11_28_c_security': m_2026_11_28_c_security,
  '2026_11_28_d_pushin': m_2026_11_28_d_pushin,
  '2026_11_30_a_scale_indexes': m_2026_11_30_a_scale_indexes,
  '2026_11_30_b_caseload_paging': m_2026_11_30_b_caseload_paging,
  '2026_11_30_c_outcomes_version': m_2026_11_30_c_outcomes_version,
  '2026_11_30_f_goal_summaries': m_2026_11_30_f_goal_summaries,
  '2026_11_30_g_audit_students': m_2026_11_30_g_audit_students,
  '2026_11_30_h_accounts': m_2026_11_30_h_accounts,
  '2026_11_30_j_object_rules': m_2026_11_30_j_object_rules,
  '2026_11_30_k_row_versions': m_2026_11_30_k_row_versions,
  '2026_11_30_m_fidelity_summaries': m_2026_11_30_m_fidelity_summaries,
  '2026_11_30_o_progress_rules': m_2026_11_30_o_progress_rules,
  '2026_11_30_p_import': m_2026_11_30_p_import,
  '2026_11_30_q_people': m_2026_11_30_q_people,
  '2026_11_30_r_session_void': m_2026_11_30_r_session_void,
  '2026_11_30_s_billing': m_2026_11_30_s_billing,
  '2026_11_30_t_probe_keys': m_2026_11_30_t_probe_keys,
  '2026_11_30_w_single_sign_on': m_2026_11_30_w_single_sign_on,
  '2026_11_30_x_schedule': m_2026_11_30_x_schedule,
  '2026_11_30_y_void_observations': m_2026_11_30_y_void_observations,
  '2026_11_30_z_family_language': m_2026_11_30_z_family_language,
  '2026_11_30_za_mastery_routines': m_2026_11_30_za_mastery_routines,
  '2026_11_30_zb_goal_bank': m_2026_11_30_zb_goal_bank,
  '2026_11_30_zc_comparison_digests': m_2026_11_30_zc_comparison_digests,
  '2026_11_30_zd_service_indexes': m_2026_11_30_zd_service_indexes,
  '2026_11_30_ze_coordinator_page_indexes': m_2026_11_30_ze_coordinator_page_indexes,
  '2026_11_30_zf_stored_comparisons': m_2026_11_30_zf_stored_comparisons,
  '2026_12_01_zg_comparison_refresh_claims': m_2026_12_01_zg_comparison_refresh_claims,
  '2026_12_02_zh_routine_classroom_index': m_2026_12_02_zh_routine_classroom_index,
};
